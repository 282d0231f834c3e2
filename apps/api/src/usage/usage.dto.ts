import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

export class UsageQueryDto extends createZodDto(
  z.strictObject({ days: z.coerce.number().int().min(1).max(366).default(30) }),
) {}

const counts = z.object({ inbound: z.number().int(), outbound: z.number().int(), failures: z.number().int() });
/** The chat API: requests, those refused or failed, and tokens as the model provider reported them. */
const apiCounts = z.object({
  requests: z.number().int(),
  failures: z.number().int(),
  tokensIn: z.number().int(),
  tokensOut: z.number().int(),
});
export const usageSchema = z.object({
  days: z.number().int(),
  from: z.iso.date(),
  to: z.iso.date(),
  series: z.array(
    z.object({
      day: z.iso.date(),
      telegram: counts,
      whatsapp: counts,
      providerErrors: z.number().int(),
      fallbackReplies: z.number().int(),
      /** Conversations the node handed to people (team inbox). */
      handoffs: z.number().int(),
      /** Replies team members sent from the inbox. */
      humanReplies: z.number().int(),
      /** WhatsApp messages not sent as written because the 24-hour window was closed. */
      windowClosed: z.number().int(),
      api: apiCounts,
    }),
  ),
  totals: z.object({
    inbound: z.number().int(),
    outbound: z.number().int(),
    failures: z.number().int(),
    providerErrors: z.number().int(),
    fallbackReplies: z.number().int(),
    handoffs: z.number().int(),
    humanReplies: z.number().int(),
    windowClosed: z.number().int(),
    api: apiCounts,
  }),
});
export class UsageDto extends createZodDto(usageSchema) {}
