import {
  WIDGET_COLOR,
  WIDGET_CONSENT_MODES,
  WIDGET_FIELD_MODES,
  WIDGET_LANGUAGE,
  WIDGET_LAUNCHER_ICONS,
  WIDGET_LIMITS,
  WIDGET_ORIGIN,
  WIDGET_POSITIONS,
  WIDGET_TIME,
} from '@enclave/node-protocol';
import { humanText } from '@enclave/platform';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

const mode = z.enum(WIDGET_FIELD_MODES);
const intIn = ({ min, max }: { min: number; max: number }) => z.number().int().min(min).max(max);
const text = (max: number) => humanText({ max, min: 0, multiline: true });

/** The widget's settings as the dashboard edits them (configuration metadata, never visitor data). */
export const widgetSettingsSchema = z.strictObject({
  allowedOrigins: z
    .array(z.string().regex(WIDGET_ORIGIN, 'an origin like https://www.example.com (no path)'))
    .max(WIDGET_LIMITS.origins),
  identityVerification: z.boolean(),
  consent: z.enum(WIDGET_CONSENT_MODES),
  consentText: text(WIDGET_LIMITS.text),
  prechat: z.strictObject({ name: mode, email: mode, phone: mode }),
  title: humanText({ max: WIDGET_LIMITS.title }),
  greeting: text(WIDGET_LIMITS.text),
  color: z.string().regex(WIDGET_COLOR, 'a colour like #2563eb'),
  position: z.enum(WIDGET_POSITIONS),
  launcherIcon: z.enum(WIDGET_LAUNCHER_ICONS),
  language: z.string().regex(WIDGET_LANGUAGE, 'a language tag like en or pt-BR'),
  hours: z
    .strictObject({
      timeZone: z.string().min(1).max(64),
      days: z
        .array(
          z.strictObject({
            day: z.number().int().min(0).max(6),
            open: z.string().regex(WIDGET_TIME),
            close: z.string().regex(WIDGET_TIME),
          }),
        )
        .max(14),
      awayMessage: text(WIDGET_LIMITS.text),
      agentAnswersOutOfHours: z.boolean(),
    })
    .nullable(),
  limits: z.strictObject({
    messagesPerMinute: intIn(WIDGET_LIMITS.messagesPerMinute),
    maxMessageLength: intIn(WIDGET_LIMITS.messageLength),
    conversationsPerIpPerDay: intIn(WIDGET_LIMITS.conversationsPerIpPerDay),
  }),
});

export class PutWidgetDto extends createZodDto(
  z.strictObject({ agentId: z.uuid(), enabled: z.boolean().default(true), settings: widgetSettingsSchema }),
) {}

const widgetSchema = z.object({
  id: z.uuid(),
  agentId: z.uuid().nullable(),
  enabled: z.boolean(),
  settings: widgetSettingsSchema,
  /** The identity-verification secret as the control plane knows it: mask and status only. */
  identitySecret: z.object({ mask: z.string(), status: z.string() }).nullable(),
  /** `<script async src="https://<slug>.<zone>/widget.js"></script>`; null before the node has a URL. */
  snippet: z.string().nullable(),
  updatedAt: z.iso.datetime(),
});
export class WidgetDto extends createZodDto(widgetSchema) {}
export class WidgetResultDto extends createZodDto(
  z.object({ widget: widgetSchema, delivery: z.enum(['delivered', 'pending']) }),
) {}
export class WidgetSecretDto extends createZodDto(
  z.object({
    /** Shown once: the customer's server computes HMAC-SHA256(user_id, secret) with it. */
    secret: z.string(),
    widget: widgetSchema,
    delivery: z.enum(['delivered', 'pending']),
  }),
) {}
