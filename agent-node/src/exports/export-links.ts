import { createHmac } from 'node:crypto';
import { NODE_ERROR, NodeError } from '../http/node-error';
import { safeEqual } from '../http/safe-equal';

export const EXPORT_FILE_NAME = 'export.tar.gz';

const LINK_PATH = /^\/exports\/([0-9a-f-]{36})\/export\.tar\.gz$/;

/**
 * Signed, expiring download links:
 * `<publicBaseUrl>/exports/<id>/export.tar.gz?expires=<unix s>&signature=<hex>` where
 * signature = HMAC-SHA256(node-local key, "GET\n<path>\n<expires>").
 */
export class ExportLinks {
  constructor(
    private readonly key: Buffer,
    private readonly publicBaseUrl: string,
  ) {}

  url(exportId: string, expiresAtSeconds: number): string {
    const path = `/exports/${exportId}/${EXPORT_FILE_NAME}`;
    return `${this.publicBaseUrl}${path}?expires=${expiresAtSeconds}&signature=${this.sign(path, String(expiresAtSeconds))}`;
  }

  /** The export a link points at. Signature first (403 on anything wrong, in constant time), then expiry (410). */
  verify(path: string, expires: string | null, signature: string | null, now = Date.now()): string {
    const invalid = () => new NodeError(NODE_ERROR.linkInvalid, 'invalid export link');
    if (!expires || !signature || !/^\d{1,12}$/.test(expires) || !/^[0-9a-f]{64}$/.test(signature)) throw invalid();
    if (!safeEqual(signature, this.sign(path, expires))) throw invalid();
    if (Number(expires) * 1000 <= now) throw expired();
    const m = LINK_PATH.exec(path);
    if (!m) throw invalid();
    return m[1];
  }

  private sign(path: string, expires: string): string {
    return createHmac('sha256', this.key).update(`GET\n${path}\n${expires}`).digest('hex');
  }
}

/** 410: the link's time has passed, or its archive is already gone. */
export function expired(): NodeError {
  return new NodeError(NODE_ERROR.linkExpired, 'this export link has expired');
}
