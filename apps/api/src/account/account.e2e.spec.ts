import type { INestApplicationContext } from '@nestjs/common';
import { MarketingMailer } from '@enclave/mailer';
import { unzipSync, strFromU8 } from 'fflate';
import { execFileSync } from 'node:child_process';
import { createWorker } from '../../../worker/src/bootstrap';
import { type ApiHarness, startApiHarness } from '../../test/api-harness';
import { eventually } from '../../test/eventually';
import { databaseDump, leaks, redisDump } from '../../test/leak-scan';
import { REPO_ROOT } from '../../test/provisioning-env';
import { signInByEmail } from '../../test/sign-in';

interface CaughtMail {
  text: string;
  subject: string;
  headers: Record<string, string>;
}

async function mailsTo(harness: ApiHarness, email: string): Promise<CaughtMail[]> {
  return (await (
    await fetch(`${harness.sandbox.url}/mail/messages?to=${encodeURIComponent(email)}`)
  ).json()) as CaughtMail[];
}

describe('account: export, ownership transfer, deletion, marketing consent', () => {
  let harness: ApiHarness;
  let worker: INestApplicationContext;
  const ada = { email: 'ada.private@example.com', name: 'Ada Privatperson', cookie: '', id: '' };
  const bob = { email: 'bob.other@example.com', name: 'Bob Otherperson', cookie: '', id: '' };
  let adaWorkspace = '';
  let bobWorkspace = '';

  beforeAll(async () => {
    harness = await startApiHarness();
    worker = await createWorker({ ...harness.env, LOG_LEVEL: 'silent' });
    await worker.init();
    ada.cookie = await signInByEmail(harness, ada.email);
    bob.cookie = await signInByEmail(harness, bob.email);
    ada.id = (await harness.http().get('/api/me').set('cookie', ada.cookie)).body.id;
    bob.id = (await harness.http().get('/api/me').set('cookie', bob.cookie)).body.id;
    for (const person of [ada, bob]) {
      await harness.http().patch('/api/account').set('cookie', person.cookie).send({ name: person.name }).expect(200);
    }
    adaWorkspace = (
      await harness
        .http()
        .post('/api/workspaces')
        .set('cookie', ada.cookie)
        .send({ name: 'Ada Lab', slug: 'ada-lab' })
        .expect(201)
    ).body.id;
    bobWorkspace = (
      await harness
        .http()
        .post('/api/workspaces')
        .set('cookie', bob.cookie)
        .send({ name: 'Bob Shop', slug: 'bob-shop' })
        .expect(201)
    ).body.id;
    await harness
      .http()
      .post(`/api/workspaces/${adaWorkspace}/members`)
      .set('cookie', ada.cookie)
      .send({ email: bob.email, role: 'admin' })
      .expect(201);
  });
  afterAll(async () => {
    await worker?.close();
    await harness?.close();
  });

  it('shows the account: profile, identities, sessions, marketing off by default', async () => {
    const account = await harness.http().get('/api/account').set('cookie', ada.cookie).expect(200);
    expect(account.body).toMatchObject({
      id: ada.id,
      email: ada.email,
      name: ada.name,
      marketingOptIn: false,
      identities: [expect.objectContaining({ provider: 'email', email: ada.email })],
      sessions: [expect.objectContaining({ current: true })],
    });
  });

  it('builds "Download my data" on the worker: the user\'s data, nothing of other users, for that user only', async () => {
    const requested = await harness.http().post('/api/account/exports').set('cookie', ada.cookie).expect(201);
    expect(requested.body.status).toBe('pending');
    await harness.http().post('/api/account/exports').set('cookie', ada.cookie).expect(429);
    const ready = await eventually(async () => {
      const list = await harness.http().get('/api/account/exports').set('cookie', ada.cookie).expect(200);
      return list.body.find((e: { status: string }) => e.status === 'ready');
    }, 30_000);
    expect(ready.downloadUrl).toBe(`/api/account/exports/${requested.body.id}/download`);
    // Another signed-in user cannot fetch it, nor can anyone without a session.
    await harness.http().get(ready.downloadUrl).set('cookie', bob.cookie).expect(404);
    await harness.http().get(ready.downloadUrl).expect(401);
    const download = await harness
      .http()
      .get(ready.downloadUrl)
      .set('cookie', ada.cookie)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(download.headers['content-type']).toBe('application/zip');
    const files = unzipSync(new Uint8Array(download.body as Buffer));
    const read = (name: string) => JSON.parse(strFromU8(files[name])) as unknown;
    expect(Object.keys(files).sort()).toEqual(
      [
        'README.txt',
        'manifest.json',
        'account.json',
        'identities.json',
        'sessions.json',
        'memberships.json',
        'workspaces.json',
        'email-change-requests.json',
        'audit-events.json',
      ].sort(),
    );
    expect(read('account.json')).toMatchObject({ id: ada.id, email: ada.email, name: ada.name, marketingOptIn: false });
    expect(read('identities.json')).toEqual([expect.objectContaining({ provider: 'email', subject: ada.email })]);
    const sessions = read('sessions.json') as Array<Record<string, unknown>>;
    expect(sessions).toHaveLength(1);
    expect(Object.keys(sessions[0])).not.toContain('tokenHash');
    expect(read('memberships.json')).toEqual([expect.objectContaining({ workspaceId: adaWorkspace, role: 'owner' })]);
    expect(read('workspaces.json')).toEqual([
      expect.objectContaining({ id: adaWorkspace, name: 'Ada Lab', billingAccount: null, subscriptions: [] }),
    ]);
    const audit = read('audit-events.json') as Array<{ action: string; workspaceId: string | null }>;
    const actions = audit.map((event) => event.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'session.created',
        'user.profile_updated',
        'workspace.created',
        'membership.created',
        'account.export_requested',
      ]),
    );
    // Nothing of Bob: not his address, name, workspace or sessions (his id appears only as the target Ada added).
    const everything = Object.values(files)
      .map((bytes) => strFromU8(bytes))
      .join('\n');
    expect(leaks([bob.email, bob.name, bobWorkspace, 'Bob Shop'], { export: everything })).toEqual([]);
    const trail = await harness.dataSource.query(
      `SELECT action, actor_id FROM audit_events WHERE action IN ('account.export_ready', 'account.export_downloaded') ORDER BY id`,
    );
    expect(trail).toEqual([
      { action: 'account.export_ready', actor_id: 'job:account-export' },
      { action: 'account.export_downloaded', actor_id: ada.id },
    ]);
  });

  it('refuses to delete the sole owner of a live workspace, and deletes after an ownership transfer', async () => {
    const refused = await harness
      .http()
      .delete('/api/account')
      .set('cookie', ada.cookie)
      .send({ confirmEmail: ada.email })
      .expect(409);
    expect(refused.body.error).toMatchObject({
      code: 'sole_owner',
      details: { workspaces: [{ id: adaWorkspace, name: 'Ada Lab' }] },
    });
    await harness
      .http()
      .delete('/api/account')
      .set('cookie', ada.cookie)
      .send({ confirmEmail: 'someone@example.com' })
      .expect(400);
    // Transfer: Bob (an admin there) becomes owner, Ada stays on as admin.
    await harness
      .http()
      .post(`/api/workspaces/${adaWorkspace}/transfer-ownership`)
      .set('cookie', bob.cookie)
      .send({ userId: bob.id })
      .expect(403);
    await harness
      .http()
      .post(`/api/workspaces/${adaWorkspace}/transfer-ownership`)
      .set('cookie', ada.cookie)
      .send({ userId: bob.id })
      .expect(204);
    const members = await harness.http().get(`/api/workspaces/${adaWorkspace}/members`).set('cookie', bob.cookie);
    expect(members.body.members.map((m: { userId: string; role: string }) => [m.userId, m.role]).sort()).toEqual(
      [
        [ada.id, 'admin'],
        [bob.id, 'owner'],
      ].sort(),
    );

    await harness.http().delete('/api/account').set('cookie', ada.cookie).send({ confirmEmail: ada.email }).expect(204);
    await harness.http().get('/api/me').set('cookie', ada.cookie).expect(401);

    // Ada's email and name appear nowhere in PostgreSQL (docs/data-placement.md: nothing of hers has to
    // stay), nor in Redis (job payloads are ids).
    const dump = await databaseDump(harness);
    expect(dump).toContain(`deleted-${ada.id}@deleted.invalid`);
    expect(leaks([ada.email, ada.name], { postgres: dump, redis: (await redisDump(harness)).text })).toEqual([]);
    // Her audit events are kept as they were, under her (now pseudonymous) id, and the chain still verifies.
    const kept = await harness.dataSource.query(`SELECT count(*)::int AS n FROM audit_events WHERE actor_id = $1`, [
      ada.id,
    ]);
    expect(kept[0].n).toBeGreaterThan(5);
    const verify = execFileSync(process.execPath, ['-r', '@swc-node/register', 'apps/api/src/cli/audit-verify.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...harness.env, LOG_LEVEL: 'silent' },
    }).toString();
    expect(verify).toMatch(/^audit chain intact: \d+ events verified/);
    // The workspace lives on with Bob; the deletion notice went to the old address.
    await harness.http().get(`/api/workspaces/${adaWorkspace}`).set('cookie', bob.cookie).expect(200);
    expect((await mailsTo(harness, ada.email)).map((m) => m.subject)).toContain('Your Enclave account was deleted');
    // Signing in again with the same address is a new, empty account.
    const again = await signInByEmail(harness, ada.email);
    const me = await harness.http().get('/api/me').set('cookie', again).expect(200);
    expect(me.body.id).not.toBe(ada.id);
    expect((await harness.http().get('/api/workspaces').set('cookie', again)).body).toEqual([]);
  });

  it('sends product news only to opted-in users, with an unsubscribe link and one-click headers that work signed out', async () => {
    const mailer = harness.app.get(MarketingMailer);
    expect(await mailer.sendToOptedIn('Enclave news', 'Something new.')).toEqual({ sent: 0, failed: 0 });
    await harness.http().patch('/api/account').set('cookie', bob.cookie).send({ marketingOptIn: true }).expect(200);
    expect(await mailer.sendToOptedIn('Enclave news 1', 'Something new.')).toEqual({ sent: 1, failed: 0 });
    const news = (await mailsTo(harness, bob.email)).find((m) => m.subject === 'Enclave news 1')!;
    const link = /https?:\/\/\S+\/api\/unsubscribe\?token=[\w-]+/.exec(news.text)![0];
    expect(news.headers['list-unsubscribe']).toBe(`<${link}>`);
    expect(news.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    // Transactional mail carries none of it.
    const signIn = (await mailsTo(harness, bob.email)).find((m) => m.subject === 'Your Enclave sign-in link')!;
    expect(signIn.headers['list-unsubscribe']).toBeUndefined();

    // By link: the page (GET changes nothing), then its form's POST.
    const path = new URL(link).pathname + new URL(link).search;
    const page = await harness.http().get(path).expect(200);
    expect(page.text).toContain('<form method="post"');
    expect((await harness.http().get('/api/account').set('cookie', bob.cookie)).body.marketingOptIn).toBe(true);
    await harness
      .http()
      .post(path)
      .set('origin', harness.url)
      .type('form')
      .send('List-Unsubscribe=One-Click')
      .expect(200);
    expect((await harness.http().get('/api/account').set('cookie', bob.cookie)).body.marketingOptIn).toBe(false);
    expect(await mailer.sendToOptedIn('Enclave news 2', 'Something newer.')).toEqual({ sent: 0, failed: 0 });

    // One-click (RFC 8058): a mail provider's server POSTs form-encoded, cross-site, no cookie.
    await harness.http().patch('/api/account').set('cookie', bob.cookie).send({ marketingOptIn: true }).expect(200);
    await mailer.sendToOptedIn('Enclave news 3', 'Again.');
    const third = (await mailsTo(harness, bob.email)).find((m) => m.subject === 'Enclave news 3')!;
    const oneClick = /<([^>]+)>/.exec(third.headers['list-unsubscribe'])![1];
    const response = await fetch(oneClick, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://mail.example.net' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(response.status).toBe(200);
    expect((await harness.http().get('/api/account').set('cookie', bob.cookie)).body.marketingOptIn).toBe(false);
    await harness
      .http()
      .post('/api/unsubscribe?token=not-a-real-token-at-all-xxxxxxxx')
      .type('form')
      .send('List-Unsubscribe=One-Click')
      .expect(404);
    const opted = await harness.dataSource.query(
      `SELECT action, details->>'source' AS source FROM audit_events WHERE actor_id = $1 AND action LIKE 'marketing.%' ORDER BY id`,
      [bob.id],
    );
    expect(opted).toEqual([
      { action: 'marketing.opted_in', source: 'account_page' },
      { action: 'marketing.opted_out', source: 'unsubscribe_link' },
      { action: 'marketing.opted_in', source: 'account_page' },
      { action: 'marketing.opted_out', source: 'unsubscribe_link' },
    ]);
  });
});
