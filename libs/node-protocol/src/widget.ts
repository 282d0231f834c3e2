// The website chat widget's settings, as the control plane keeps them (configuration metadata)
// and as the node receives them inside its web channel (zod/mini: the node imports this file).
import * as z from 'zod/mini';

/** An origin as the browser sends it in `Origin`: scheme, host, optional port; no path. */
export const WIDGET_ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;
export const WIDGET_COLOR = /^#[0-9a-fA-F]{6}$/;
export const WIDGET_LANGUAGE = /^[a-z]{2,3}(-[A-Z]{2})?$/;
export const WIDGET_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
export const WIDGET_FIELD_MODES = ['off', 'optional', 'required'] as const;
export const WIDGET_CONSENT_MODES = ['banner', 'strictly_necessary'] as const;
export const WIDGET_POSITIONS = ['right', 'left'] as const;
export const WIDGET_LAUNCHER_ICONS = ['chat', 'help', 'wave'] as const;
export const WIDGET_LIMITS = {
  origins: 20,
  text: 500,
  title: 60,
  messageLength: { min: 1, max: 4000 },
  messagesPerMinute: { min: 1, max: 120 },
  conversationsPerIpPerDay: { min: 1, max: 1000 },
} as const;

const fieldMode = z.enum(WIDGET_FIELD_MODES);
const text = (max: number) => z.string().check(z.maxLength(max));
const intIn = ({ min, max }: { min: number; max: number }) => z.int().check(z.gte(min), z.lte(max));

export const widgetHoursSchema = z.strictObject({
  /** IANA time zone the opening times are in (`Europe/Berlin`). */
  timeZone: z.string().check(z.minLength(1), z.maxLength(64)),
  /** Opening times per weekday (0 = Sunday); a day without an entry is closed. */
  days: z
    .array(
      z.strictObject({
        day: z.int().check(z.gte(0), z.lte(6)),
        open: z.string().check(z.regex(WIDGET_TIME)),
        close: z.string().check(z.regex(WIDGET_TIME)),
      }),
    )
    .check(z.maxLength(14)),
  /** Shown in the panel while closed. */
  awayMessage: text(WIDGET_LIMITS.text),
  /** Out of hours the agent still answers; otherwise messages wait for people in the inbox. */
  agentAnswersOutOfHours: z.boolean(),
});
export type WidgetHours = z.infer<typeof widgetHoursSchema>;

export const widgetSettingsSchema = z.strictObject({
  /** Sites allowed to embed the panel (CSP frame-ancestors) and to call the widget endpoints. */
  allowedOrigins: z.array(z.string().check(z.regex(WIDGET_ORIGIN))).check(z.maxLength(WIDGET_LIMITS.origins)),
  /** Every conversation needs the site's `user_id` + HMAC-SHA256(user_id, widget secret). */
  identityVerification: z.boolean(),
  /** `banner`: nothing is stored in the browser before the visitor accepts; `strictly_necessary`: before the first message. */
  consent: z.enum(WIDGET_CONSENT_MODES),
  consentText: text(WIDGET_LIMITS.text),
  prechat: z.strictObject({ name: fieldMode, email: fieldMode, phone: fieldMode }),
  title: z.string().check(z.minLength(1), z.maxLength(WIDGET_LIMITS.title)),
  greeting: text(WIDGET_LIMITS.text),
  color: z.string().check(z.regex(WIDGET_COLOR)),
  position: z.enum(WIDGET_POSITIONS),
  launcherIcon: z.enum(WIDGET_LAUNCHER_ICONS),
  language: z.string().check(z.regex(WIDGET_LANGUAGE)),
  hours: z.nullable(widgetHoursSchema),
  limits: z.strictObject({
    messagesPerMinute: intIn(WIDGET_LIMITS.messagesPerMinute),
    maxMessageLength: intIn(WIDGET_LIMITS.messageLength),
    conversationsPerIpPerDay: intIn(WIDGET_LIMITS.conversationsPerIpPerDay),
  }),
});
export type WidgetSettings = z.infer<typeof widgetSettingsSchema>;

/** A new widget's settings before the customer changes any. */
export const DEFAULT_WIDGET_SETTINGS: WidgetSettings = {
  allowedOrigins: [],
  identityVerification: false,
  consent: 'banner',
  consentText: 'This chat stores a conversation id in your browser so it can continue after a reload.',
  prechat: { name: 'optional', email: 'optional', phone: 'off' },
  title: 'Chat with us',
  greeting: 'Hi! How can we help?',
  color: '#2563eb',
  position: 'right',
  launcherIcon: 'chat',
  language: 'en',
  hours: null,
  limits: { messagesPerMinute: 10, maxMessageLength: 2000, conversationsPerIpPerDay: 20 },
};
