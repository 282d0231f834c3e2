import type { INestApplicationContext } from '@nestjs/common';
import { pruneAuditChain, verifyAuditChain } from '@enclave/audit';
import { execFileSync } from 'node:child_process';
import { AccountRetentionHandler } from '../../../worker/src/account/account-retention.handler';
import { createWorker } from '../../../worker/src/bootstrap';
import { type ApiHarness, startApiHarness } from '../../test/api-harness';
import { REPO_ROOT } from '../../test/provisioning-env';
import { latestMagicLink, sessionCookie, signInByEmail } from '../../test/sign-in';

async function mailsTo(harness: ApiHarness, email: string): Promise<Array<{ subject: string; text: string }>> {
  return (await (await fetch(`${harness.sandbox.url}/mail/messages?to=${encodeURIComponent(email)}`)).json()) as Array<{
    subject: string;
    text: string;
  }>;
}

describe('account settings: sign-up consent, email change, sessions, retention schedule', () => {
  let harness: ApiHarness;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    harness = await startApiHarness();
    worker = await createWorker({ ...harness.env, LOG_LEVEL: 'silent' });
    await worker.init();
  });
  afterAll(async () => {
    await worker?.close();
    await harness?.close();
  });

  it('records the marketing choice made at sign-up: off by default, on only when ticked', async () => {
    const plain = await signInByEmail(harness, 'plain@example.com');
    expect((await harness.http().get('/api/account').set('cookie', plain)).body.marketingOptIn).toBe(false);
    await harness.http().post('/api/auth/email').send({ email: 'news@example.com', marketingOptIn: true }).expect(202);
    const link = new URL(await latestMagicLink(harness, 'news@example.com'));
    const signedIn = await harness
      .http()
      .get(link.pathname + link.search)
      .expect(303);
    const account = await harness
      .http()
      .get('/api/account')
      .set('cookie', sessionCookie(signedIn.headers['set-cookie']));
    expect(account.body).toMatchObject({ marketingOptIn: true, marketingConsentAt: expect.any(String) });
  });

  it('changes the email only once the link mailed to the new address is opened', async () => {
    const cookie = await signInByEmail(harness, 'old.address@example.com');
    await harness
      .http()
      .post('/api/account/email')
      .set('cookie', cookie)
      .send({ email: 'plain@example.com' })
      .expect(409);
    await harness
      .http()
      .post('/api/account/email')
      .set('cookie', cookie)
      .send({ email: 'new.address@example.com' })
      .expect(202);
    expect((await harness.http().get('/api/account').set('cookie', cookie)).body.email).toBe('old.address@example.com');
    const mail = (await mailsTo(harness, 'new.address@example.com'))[0];
    const link = new URL(/https?:\/\/\S+\/api\/account\/email\/confirm\?token=[\w-]+/.exec(mail.text)![0]);
    const confirmed = await harness
      .http()
      .get(link.pathname + link.search)
      .expect(303);
    expect(confirmed.headers.location).toMatch(/\/account\?email=changed$/);
    await harness
      .http()
      .get(link.pathname + link.search)
      .expect(400);
    const account = await harness.http().get('/api/account').set('cookie', cookie).expect(200);
    expect(account.body.email).toBe('new.address@example.com');
    expect(account.body.identities).toEqual([
      expect.objectContaining({ provider: 'email', email: 'new.address@example.com' }),
    ]);
    expect((await mailsTo(harness, 'old.address@example.com')).map((m) => m.subject)).toContain(
      'The email address of your Enclave account was changed',
    );
    // The new address signs in to the same account.
    const again = await signInByEmail(harness, 'new.address@example.com');
    expect((await harness.http().get('/api/account').set('cookie', again)).body.id).toBe(account.body.id);
  });

  it('lists active sessions and revokes one from another browser', async () => {
    const first = await signInByEmail(harness, 'two.browsers@example.com');
    const second = await signInByEmail(harness, 'two.browsers@example.com');
    const sessions = (await harness.http().get('/api/account').set('cookie', first)).body.sessions as Array<{
      id: string;
      current: boolean;
    }>;
    expect(sessions).toHaveLength(2);
    const other = sessions.find((s) => !s.current)!;
    await harness.http().delete(`/api/account/sessions/${other.id}`).set('cookie', first).expect(204);
    await harness.http().get('/api/me').set('cookie', second).expect(401);
    await harness.http().get('/api/me').set('cookie', first).expect(200);
    await harness.http().delete(`/api/account/sessions/${other.id}`).set('cookie', first).expect(404);
  });

  it('applies the retention schedule: old sessions, links and expired export archives go, recent ones stay', async () => {
    const cookie = await signInByEmail(harness, 'retention@example.com');
    const userId = (await harness.http().get('/api/me').set('cookie', cookie)).body.id as string;
    const q = (sql: string, params: unknown[] = []) => harness.dataSource.query(sql, params);
    await q(
      `INSERT INTO sessions (user_id, token_hash, expires_at, revoked_at) VALUES
         ($1, 'old-revoked', now() + interval '1 day', now() - interval '31 days'),
         ($1, 'old-expired', now() - interval '31 days', NULL),
         ($1, 'recently-revoked', now() + interval '1 day', now() - interval '1 day')`,
      [userId],
    );
    await q(
      `INSERT INTO magic_link_tokens (email, token_hash, expires_at, created_at) VALUES
         ('retention@example.com', 'old-link', now() - interval '8 days', now() - interval '8 days')`,
    );
    await q(
      `INSERT INTO account_exports (user_id, status, archive, bytes, expires_at, created_at) VALUES
         ($1, 'ready', '\\x504b', 2, now() - interval '1 hour', now() - interval '2 days'),
         ($1, 'ready', '\\x504b', 2, now() - interval '20 days', now() - interval '31 days'),
         ($1, 'ready', '\\x504b', 2, now() + interval '1 hour', now())`,
      [userId],
    );
    await q(
      `INSERT INTO account_exports (user_id, status, created_at) VALUES ($1, 'pending', now() - interval '2 hours')`,
      [userId],
    );
    const result = await worker.get(AccountRetentionHandler).handle();
    expect(result).toMatchObject({
      sessions: 2,
      magic_link_tokens: 1,
      account_exports_stuck: 1,
      account_export_archives: 2,
      account_exports: 1,
    });
    expect(
      (await q(`SELECT token_hash FROM sessions WHERE user_id = $1 ORDER BY token_hash`, [userId])).map(
        (r: { token_hash: string }) => r.token_hash,
      ),
    ).toHaveLength(2);
    expect(
      await q(
        `SELECT status, archive IS NOT NULL AS kept FROM account_exports WHERE user_id = $1 ORDER BY created_at`,
        [userId],
      ),
    ).toEqual([
      { status: 'ready', kept: false },
      { status: 'failed', kept: false },
      { status: 'ready', kept: true },
    ]);
    // Run again: nothing left to do.
    expect(await worker.get(AccountRetentionHandler).handle()).toMatchObject({
      sessions: 0,
      magic_link_tokens: 0,
      account_exports: 0,
    });
    await harness.http().get('/api/me').set('cookie', cookie).expect(200);
  });

  it('prunes audit events past their retention from the start of the chain, and the chain still verifies', async () => {
    const q = (sql: string, params: unknown[] = []) => harness.dataSource.query(sql, params);
    // Nothing is due under the real schedule (two years): the job's run above pruned nothing.
    expect(await worker.get(AccountRetentionHandler).handle()).toMatchObject({ audit_events: 0 });
    // Outside the retention job the table stays append-only.
    await expect(q(`DELETE FROM audit_events WHERE id = (SELECT min(id) FROM audit_events)`)).rejects.toThrow(
      /append-only/,
    );
    const [{ total }] = await q(`SELECT count(*)::int AS total FROM audit_events`);
    // Everything up to now counts as "old" here: all but the newest event go, in batches of 7.
    expect(await pruneAuditChain(harness.dataSource, new Date(Date.now() + 1000), 7)).toBe(total - 1);
    expect(await q(`SELECT pruned_events::int AS n FROM audit_chain_anchor`)).toEqual([{ n: total - 1 }]);
    await signInByEmail(harness, 'after.pruning@example.com');
    expect(await verifyAuditChain(harness.dataSource)).toMatchObject({ ok: true, checked: expect.any(Number) });
    const verify = execFileSync(process.execPath, ['-r', '@swc-node/register', 'apps/api/src/cli/audit-verify.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...harness.env, LOG_LEVEL: 'silent' },
    }).toString();
    expect(verify).toMatch(/^audit chain intact: \d+ events verified/);
  });

  it('links GitHub to the signed-in account from the Account page, whatever the GitHub email', async () => {
    const cookie = await signInByEmail(harness, 'linker@example.com');
    const sandbox = (path: string, body: unknown) =>
      fetch(`${harness.sandbox.url}/github/_test/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await sandbox('users', { login: 'linker-gh', email: 'other-address@example.org', name: 'L', emailVerified: true });
    await sandbox('auto-approve', { login: 'linker-gh' });
    // The browser's redirect dance, carrying the session cookie on the API's origin.
    let jar = cookie;
    let url = `${harness.url}/api/auth/github`;
    let response: Response | undefined;
    for (let hop = 0; hop < 8; hop += 1) {
      const own = url.startsWith(harness.url);
      response = await fetch(url, { redirect: 'manual', headers: own ? { cookie: jar } : {} });
      if (own) for (const set of response.headers.getSetCookie()) jar = `${jar}; ${set.split(';')[0]}`;
      const location = response.headers.get('location');
      if (!location || (own && url.includes('/callback'))) break;
      url = new URL(location, url).toString();
    }
    expect(response!.headers.get('location')).toBe(`${harness.url}/account?linked=1`);
    const account = await harness.http().get('/api/account').set('cookie', cookie).expect(200);
    expect(account.body.email).toBe('linker@example.com');
    expect(account.body.identities.map((i: { provider: string }) => i.provider).sort()).toEqual(['email', 'github']);
    expect(account.body.linkable).not.toContain('github');
  });
});
