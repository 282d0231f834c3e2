import type { INestApplication } from '@nestjs/common';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@enclave/testing';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type request from 'supertest';
import { DataSource } from 'typeorm';
import {
  createStandIns,
  GITHUB_DEFAULT_CLIENT,
  GOOGLE_DEFAULT_CLIENT,
  type MailStandIn,
  type RunningSandbox,
  startSandbox,
} from '@enclave/sandbox';
import { createApi } from '../src/bootstrap';
import { recordingClient } from './recording-client';

export interface ApiHarness {
  app: INestApplication;
  /** Base URL of the listening API (OAuth redirects need a real port). */
  url: string;
  sandbox: RunningSandbox;
  database: TestDatabase;
  redis: TestRedis;
  dataSource: DataSource;
  env: NodeJS.ProcessEnv;
  http(): ReturnType<typeof request>;
  close(): Promise<void>;
}

/**
 * The real API (same bootstrap as production) on a fresh migrated database, its own Redis
 * prefix, and an in-process sandbox serving the OAuth providers and the SMTP catcher.
 */
export async function startApiHarness(overrides: NodeJS.ProcessEnv = {}): Promise<ApiHarness> {
  const database = await createTestDatabase();
  const redis = createTestRedis();
  const standIns = createStandIns({ smtpPort: 0 });
  const sandbox = await startSandbox(standIns, 0);
  const mail = standIns.find((standIn) => standIn.prefix === '/mail') as MailStandIn;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_API_LOG_LEVEL ?? 'silent',
    PUBLIC_URL: url,
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    SMTP_URL: `smtp://127.0.0.1:${mail.smtpPort}`,
    GITHUB_CLIENT_ID: GITHUB_DEFAULT_CLIENT.clientId,
    GITHUB_CLIENT_SECRET: GITHUB_DEFAULT_CLIENT.clientSecret,
    GITHUB_AUTHORIZATION_URL: `${sandbox.url}/github/login/oauth/authorize`,
    GITHUB_TOKEN_URL: `${sandbox.url}/github/login/oauth/access_token`,
    GITHUB_API_URL: `${sandbox.url}/github/api`,
    GOOGLE_CLIENT_ID: GOOGLE_DEFAULT_CLIENT.clientId,
    GOOGLE_CLIENT_SECRET: GOOGLE_DEFAULT_CLIENT.clientSecret,
    GOOGLE_AUTHORIZATION_URL: `${sandbox.url}/google/o/oauth2/v2/auth`,
    GOOGLE_TOKEN_URL: `${sandbox.url}/google/token`,
    GOOGLE_USERINFO_URL: `${sandbox.url}/google/oauth2/v3/userinfo`,
    // Apple sign-in is on only when a test also sets APPLE_CLIENT_ID and its key (auth/apple/apple.e2e.spec.ts).
    APPLE_AUTHORIZATION_URL: `${sandbox.url}/apple/auth/authorize`,
    APPLE_TOKEN_URL: `${sandbox.url}/apple/auth/token`,
    APPLE_KEYS_URL: `${sandbox.url}/apple/auth/keys`,
    STAFF_EMAILS: 'staff@enclave.test',
    AUTH_RATE_LIMIT_PER_MINUTE: '1000',
    ...overrides,
  };
  const app = await createApi(env);
  await app.listen(port, '127.0.0.1');
  const dataSource = app.get(DataSource);
  return {
    app,
    url,
    sandbox,
    database,
    redis,
    dataSource,
    env,
    http: () => recordingClient(app.getHttpServer() as Server),
    async close() {
      await app.close();
      await sandbox.close();
      await database.drop();
      await redis.drop();
    },
  };
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
