import { sandboxOptionsFromEnv } from './main';
import { startSandbox } from './sandbox';
import { createStandIns } from './stand-ins';

describe('sandbox entry point', () => {
  it('builds options from SANDBOX_* variables and serves every stand-in on free ports', async () => {
    const options = sandboxOptionsFromEnv({
      SANDBOX_SMTP_PORT: '0',
      SANDBOX_STRIPE_PORT: '0',
      SANDBOX_GITHUB_CLIENT_ID: 'gh-id',
      SANDBOX_GITHUB_CLIENT_SECRET: 'gh-secret',
      SANDBOX_STRIPE_WEBHOOK_URL: 'http://127.0.0.1:9/a, http://127.0.0.1:9/b',
      SANDBOX_STRIPE_PRICES: JSON.stringify([{ id: 'price_x', unitAmount: 100, currency: 'usd', interval: 'month' }]),
      SANDBOX_CLOUDFLARE_ZONE: 'example.test',
    });
    expect(options.github?.clients).toEqual([{ clientId: 'gh-id', clientSecret: 'gh-secret' }]);
    expect(options.stripe?.webhookEndpoints?.map((e) => e.url)).toEqual([
      'http://127.0.0.1:9/a',
      'http://127.0.0.1:9/b',
    ]);

    const sandbox = await startSandbox(createStandIns(options), 0);
    try {
      const health = (await (await fetch(`${sandbox.url}/healthz`)).json()) as { standIns: string[] };
      expect(health.standIns).toEqual(
        expect.arrayContaining(['/github', '/google', '/mail', '/stripe', '/cloudflare', '/ovhcloud']),
      );
      const mail = (await (await fetch(`${sandbox.url}/mail/_info`)).json()) as { smtpPort: number };
      expect(mail.smtpPort).toBeGreaterThan(0);
      const stripe = (await (await fetch(`${sandbox.url}/stripe/_info`)).json()) as { apiUrl: string };
      const price = await fetch(`${stripe.apiUrl}/v1/prices/price_x`, {
        headers: { authorization: 'Bearer sk_test_enclave_sandbox' },
      });
      expect(((await price.json()) as { unit_amount: number }).unit_amount).toBe(100);
      const zones = (await (await fetch(`${sandbox.url}/cloudflare/_test/zones`)).json()) as Array<{ name: string }>;
      expect(zones.map((z) => z.name)).toEqual(['example.test']);
    } finally {
      await sandbox.close();
    }
  });
});
