// The sandbox as a library: tests start it in-process on a free port.
export * from './sandbox';
export * from './stand-ins';
export { GITHUB_DEFAULT_CLIENT } from './github/github.stand-in';
export { GOOGLE_DEFAULT_CLIENT } from './google/google.stand-in';
export type { MailStandIn } from './mail/mail.stand-in';
export { cloudflareEdgeFetch, type EdgeOrigin, type OutboundFetch } from './edge/cloudflare-edge';
export { cloudflareStandIn, type CloudflareStandIn } from './cloudflare/cloudflare.stand-in';
export { OVH_DEFAULTS, ovhcloudStandIn } from './ovhcloud/ovhcloud.stand-in';
export { createOpenAiStandIn } from './openai/openai.stand-in';
export { createAnthropicStandIn } from './anthropic/anthropic.stand-in';
export * from './test-site';
export { readNeedles, recordNeedle, type Needle, type NeedleKind } from './at-rest-needles';
export { leaks } from './leaks';
export { recordFigures, recordFigureSection } from './proof-figures';
