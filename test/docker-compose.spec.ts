import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@enclave/platform';
import { parse } from 'yaml';

/**
 * No Docker engine runs where our tests do, so docker-compose.yml is kept correct by reading
 * it: every service's command, environment and ports must agree with the apps' config schema
 * and with each other.
 */
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; target: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, unknown>;
  secrets?: string[];
}

const ROOT = join(__dirname, '..');
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
};
const services = compose.services;
const dockerfile = readFileSync(join(ROOT, 'docker/Dockerfile'), 'utf8');
const publishedPorts = (service: Service) => (service.ports ?? []).map((mapping) => Number(mapping.split(':').pop()));
const portOf = (url: string) => Number(new URL(url).port);

describe('docker-compose.yml', () => {
  it('has PostgreSQL, Redis, the sandbox, the API, the worker and the web app', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'postgres', 'redis', 'sandbox', 'web', 'worker']);
  });

  it.each(['api', 'worker'])('gives the %s a configuration the control plane accepts', (name) => {
    const env = services[name].environment ?? {};
    expect(() => loadConfig(env)).not.toThrow();
    const config = loadConfig(env);
    expect(new URL(config.DATABASE_URL).hostname).toBe('postgres');
    expect(new URL(config.REDIS_URL).hostname).toBe('redis');
    for (const path of [config.NODE_PROTOCOL_SIGNING_KEY_PATH, config.PROVISIONING_SSH_KEY_PATH]) {
      const secret = path?.replace('/run/secrets/', '') ?? '';
      expect(services[name].secrets).toContain(secret);
      expect(compose.secrets[secret]).toBeDefined();
    }
  });

  it('builds each app from a Dockerfile stage and runs an entry point that exists', () => {
    for (const [name, service] of Object.entries(services).filter(([, s]) => s.build)) {
      expect({ name, stage: new RegExp(`^FROM .+ AS ${service.build!.target}$`, 'm').test(dockerfile) }).toEqual({
        name,
        stage: true,
      });
      const entry = service.command?.find((part) => part.endsWith('.ts'));
      if (entry) expect({ name, entry, exists: existsSync(join(ROOT, entry)) }).toEqual({ name, entry, exists: true });
    }
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('publishes the ports the processes listen on, and wires them to each other', () => {
    const api = loadConfig(services.api.environment ?? {});
    const sandbox = services.sandbox.environment ?? {};
    expect(publishedPorts(services.api)).toContain(api.API_PORT);
    expect(publishedPorts(services.sandbox)).toEqual(
      expect.arrayContaining([
        Number(sandbox.SANDBOX_PORT),
        Number(sandbox.SANDBOX_STRIPE_PORT),
        Number(sandbox.SANDBOX_SMTP_PORT),
      ]),
    );
    expect(portOf(api.STRIPE_API_URL)).toBe(Number(sandbox.SANDBOX_STRIPE_PORT));
    expect(portOf(api.SMTP_URL.replace(/^smtp/, 'http'))).toBe(Number(sandbox.SANDBOX_SMTP_PORT));
    expect(sandbox.SANDBOX_STRIPE_WEBHOOK_SECRET).toBe(api.STRIPE_WEBHOOK_SECRET);
    expect(sandbox.SANDBOX_STRIPE_WEBHOOK_URL).toBe(`http://api:${api.API_PORT}/api/stripe/webhook`);
    expect(services.web.environment?.API_PROXY_TARGET).toBe(`http://api:${api.API_PORT}`);
  });

  it('runs Redis the way BullMQ needs it (no eviction, persistence) and starts services in order', () => {
    expect(services.redis.command).toEqual(
      expect.arrayContaining(['--maxmemory-policy', 'noeviction', '--appendonly', 'yes']),
    );
    for (const service of Object.values(services)) {
      for (const dependency of Object.keys(service.depends_on ?? {}))
        expect(Object.keys(services)).toContain(dependency);
    }
  });
});
