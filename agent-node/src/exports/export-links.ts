import { createHmac } from 'node:crypto';
import { NODE_ERROR, NodeError } from '../http/node-error';
import { safeEqual } from '../http/safe-equal';

export const EXPORT_FILE_NAME = 'export.tar.gz';

const LINK_PATH = /^\/exports\/([0-9a-f-]{36})\/export\.tar\.gz$/;
/** The one query string a link may carry: both parameters, once each, in this order, nothing else. */
const CANONICAL_QUERY = /^expires=(\d{1,12})&signature=([0-9a-f]{64})$/;

/**
 * Signed, expiring download links:
 * `<publicBaseUrl>/exports/<id>/export.tar.gz?expires=<unix s>&signature=<hex>` where
 * signature = HMAC-SHA256(node-local key, "GET\n<path>\n<expires>").
 *
 * A request is accepted only in exactly that canonical form: the request target must be the
 * signed path followed by `?expires=…&signature=…` and nothing else, so an extra, missing,
 * repeated, re-ordered or re-encoded parameter is refused rather than ignored. The method
 * (GET; the router answers 405 to others), the path and `expires` are what is signed; the form
 * fixes everything else, so the signature covers the whole request target.
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

  /**
   * The export a request target (path + query exactly as received) points at. Canonical form and
   * signature first (403 on anything wrong, the signature compared in constant time), then expiry (410).
   */
  verify(rawTarget: string, now = Date.now()): string {
    const invalid = () => new NodeError(NODE_ERROR.linkInvalid, 'invalid export link');
    const q = rawTarget.indexOf('?');
    if (q < 0) throw invalid();
    const path = rawTarget.slice(0, q);
    const query = CANONICAL_QUERY.exec(rawTarget.slice(q + 1));
    if (!query) throw invalid();
    const [, expires, signature] = query;
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
