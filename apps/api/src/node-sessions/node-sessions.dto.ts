import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

/** `renewal`: the web app renewing the session of a page already open (not audited again). The body may be left out. */
export const createNodeSessionSchema = z.strictObject({ renewal: z.boolean().optional() }).default({});
export class CreateNodeSessionDto extends createZodDto(createNodeSessionSchema) {}

export const nodeSessionSchema = z.object({
  /** Compact JWS (EdDSA) for `Authorization: Bearer` at the node; never stored by the control plane. */
  token: z.string(),
  /** At most 15 minutes after issue; renew before. */
  expiresAt: z.iso.datetime(),
  /** The node's public base URL (`https://<slug>.<zone>`): where the browser calls the node. */
  nodeUrl: z.url(),
});
export class NodeSessionDto extends createZodDto(nodeSessionSchema) {}
