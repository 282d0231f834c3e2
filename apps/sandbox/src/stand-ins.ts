import { appleStandIn } from './apple/apple.stand-in';
import { cloudflareStandIn, type CloudflareStandInOptions } from './cloudflare/cloudflare.stand-in';
import { githubStandIn, type GithubStandInOptions } from './github/github.stand-in';
import { googleStandIn, type GoogleStandInOptions } from './google/google.stand-in';
import { mailStandIn, type MailStandInOptions } from './mail/mail.stand-in';
import { ovhcloudStandIn, type OvhcloudStandInOptions } from './ovhcloud/ovhcloud.stand-in';
import { cloudflareEdgeFetch, type CloudflareEdgeOptions } from './edge/cloudflare-edge';
import type { StandIn } from './sandbox';
import { stripeStandIn, type StripeStandInOptions } from './stripe/stripe.stand-in';
import { createTelegramStandIn } from './telegram/telegram.stand-in';
import { createOpenAiStandIn } from './openai/openai.stand-in';
import { createAnthropicStandIn } from './anthropic/anthropic.stand-in';
import { createWhatsAppStandIn } from './whatsapp/whatsapp.stand-in';

export interface SandboxOptions {
  /** Port of the SMTP catcher; 0 picks a free one (tests). */
  readonly smtpPort: number;
  readonly github?: GithubStandInOptions;
  readonly google?: GoogleStandInOptions;
  readonly mail?: Omit<MailStandInOptions, 'smtpPort'>;
  /** Stripe's API listens on a port of its own (the SDK cannot take a path prefix). */
  readonly stripe?: StripeStandInOptions;
  readonly cloudflare?: CloudflareStandInOptions;
  readonly ovhcloud?: OvhcloudStandInOptions;
  /** Origin port the Cloudflare edge connects to for proxied records (443 like Cloudflare; tests pick another). */
  readonly edgeOriginPort?: number;
  /** Resolves proxied names another way (tests whose DNS lives in another Cloudflare stand-in, hosts on several ports). */
  readonly edgeResolve?: CloudflareEdgeOptions['resolve'];
  /** The Origin CA the edge trusts, when the nodes' certificates come from another Cloudflare stand-in. */
  readonly edgeOriginCaPem?: () => string;
}

/**
 * Every stand-in the sandbox serves. Each provider folder exports a factory; add one line
 * here when a new provider is added.
 */
export function createStandIns(options: SandboxOptions): StandIn[] {
  const cloudflare = cloudflareStandIn(options.cloudflare);
  const fromRecords = (hostname: string) => {
    const address = cloudflare.proxiedOrigin(hostname);
    return address ? { address, port: options.edgeOriginPort ?? 443 } : undefined;
  };
  const edge = cloudflareEdgeFetch({
    resolve: options.edgeResolve ?? fromRecords,
    originCaPem: options.edgeOriginCaPem ?? (() => cloudflare.originCa.certificatePem),
  });
  return [
    githubStandIn(options.github),
    googleStandIn(options.google),
    appleStandIn(),
    mailStandIn({ ...options.mail, smtpPort: options.smtpPort }),
    stripeStandIn(options.stripe),
    cloudflare,
    ovhcloudStandIn(options.ovhcloud),
    createTelegramStandIn(edge),
    createOpenAiStandIn(),
    createAnthropicStandIn(),
    createWhatsAppStandIn(edge),
  ];
}
