import { cloudflareOptionsFromEnv } from './cloudflare/cloudflare.stand-in';
import { githubOptionsFromEnv } from './github/github.stand-in';
import { googleOptionsFromEnv } from './google/google.stand-in';
import { ovhcloudOptionsFromEnv } from './ovhcloud/ovhcloud.stand-in';
import { startSandbox } from './sandbox';
import { createStandIns, type SandboxOptions } from './stand-ins';
import { stripeOptionsFromEnv } from './stripe/stripe.stand-in';

/** Builds the sandbox options from SANDBOX_* environment variables (see apps/sandbox/README.md). */
export function sandboxOptionsFromEnv(env: NodeJS.ProcessEnv): SandboxOptions {
  return {
    smtpPort: Number(env.SANDBOX_SMTP_PORT ?? 2525),
    github: githubOptionsFromEnv(env),
    google: googleOptionsFromEnv(env),
    mail: { smtpHost: env.SANDBOX_SMTP_HOST || env.SANDBOX_HOST || '127.0.0.1' },
    stripe: stripeOptionsFromEnv(env),
    cloudflare: cloudflareOptionsFromEnv(env),
    ovhcloud: ovhcloudOptionsFromEnv(env),
    edgeOriginPort: env.SANDBOX_EDGE_ORIGIN_PORT ? Number(env.SANDBOX_EDGE_ORIGIN_PORT) : undefined,
  };
}

async function main(): Promise<void> {
  const port = Number(process.env.SANDBOX_PORT ?? 4010);
  const host = process.env.SANDBOX_HOST || '127.0.0.1';
  const sandbox = await startSandbox(createStandIns(sandboxOptionsFromEnv(process.env)), port, host);
  process.stdout.write(`sandbox listening on ${sandbox.url}\n`);
  const stop = () => void sandbox.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) void main();
