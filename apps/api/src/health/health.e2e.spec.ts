import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@enclave/platform';
import { type ApiHarness, startApiHarness } from '../../test/api-harness';

describe('health, docs and security headers', () => {
  let harness: ApiHarness;
  beforeAll(async () => {
    harness = await startApiHarness();
  });
  afterAll(() => harness.close());

  it('reports PostgreSQL and Redis up', async () => {
    const response = await harness.http().get('/api/health').expect(200);
    expect(response.body).toMatchObject({
      status: 'ok',
      info: { postgres: { status: 'up' }, redis: { status: 'up' } },
    });
  });

  it('serves the OpenAPI document at /api/docs', async () => {
    const response = await harness.http().get('/api/docs/openapi.json').expect(200);
    expect(response.body.paths).toHaveProperty('/api/workspaces');
    expect(response.body.paths).toHaveProperty('/api/staff/audit-events');
  });

  it('declares response schemas in the served OpenAPI document (the one apps/web/openapi.json is exported from)', async () => {
    const { body } = await harness.http().get('/api/docs/openapi.json').expect(200);
    expect(body.openapi).toBe('3.1.0');
    expect(body.paths['/api/workspaces'].get.responses['200'].content['application/json'].schema).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/WorkspaceDto' },
    });
    expect(body.paths['/api/workspaces'].post.responses['201'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/WorkspaceDto',
    });
    // Nullable zod fields stay nullable strings (not "array of string").
    expect(body.components.schemas.MeDto.properties.name.type).toEqual(['string', 'null']);
    // The web's committed export is this very document (`npm run web:openapi` after an API change).
    expect(body).toEqual(JSON.parse(readFileSync(join(__dirname, '../../../web/openapi.json'), 'utf8')));
  });

  it('sends helmet security headers', async () => {
    const response = await harness.http().get('/api/health');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toBeDefined();
  });

  it('answers unknown routes and oversized bodies with the error shape', async () => {
    expect((await harness.http().get('/api/nope').expect(404)).body.error.code).toBe('not_found');
    const huge = await harness
      .http()
      .post('/api/auth/email')
      .send({ email: `${'a'.repeat(300_000)}@example.com` })
      .expect(413);
    expect(huge.body.error.code).toBe('payload_too_large');
  });
});

describe('configuration', () => {
  it('refuses to start with a clear message naming each missing or malformed variable, never its value', () => {
    const attempt = () =>
      loadConfig({
        DATABASE_URL: 'mysql://secret-password@db',
        SMTP_URL: 'smtp://127.0.0.1:25',
        API_PORT: 'eighty',
        GITHUB_CLIENT_ID: 'x',
      });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('DATABASE_URL: must be a postgres:// URL');
      expect(message).toContain('API_PORT');
      expect(message).not.toContain('secret-password');
    }
  });

  it('requires an OAuth client secret when its client id is set', () => {
    expect(() =>
      loadConfig({
        DATABASE_URL: 'postgres://localhost/enclave',
        SMTP_URL: 'smtp://127.0.0.1:2525',
        GITHUB_CLIENT_ID: 'x',
      }),
    ).toThrow('GITHUB_CLIENT_SECRET: required when GITHUB_CLIENT_ID is set');
  });

  it('applies documented defaults', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://localhost/enclave', SMTP_URL: 'smtp://127.0.0.1:2525' });
    expect(config).toMatchObject({
      API_PORT: 3000,
      MAGIC_LINK_TTL_MINUTES: 15,
      REDIS_URL: 'redis://127.0.0.1:6379',
      STAFF_EMAILS: [],
    });
  });
});
