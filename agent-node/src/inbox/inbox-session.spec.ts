import { generateKeyPairSync } from 'node:crypto';
import { issueNodeSession } from '@enclave/node-protocol';
import { configureNode, startNodeFixture, TEST_DASHBOARD_ORIGIN, type NodeFixture } from '../testing/node-fixture';
import { inboxClient } from '../testing/inbox-client';

describe('inbox node sessions: who may call the node from a browser', () => {
  let f: NodeFixture;

  beforeAll(async () => {
    f = await startNodeFixture();
    await configureNode(f);
  });
  afterAll(() => f.close());

  const savedReplyCount = () =>
    (f.app.internals.db.prepare('SELECT COUNT(*) AS n FROM saved_replies').get() as { n: number }).n;
  const token = (role: 'member' | 'admin' | 'owner' = 'member', opts: { ttlSeconds?: number; now?: Date } = {}) =>
    f.cp.session(f.config.nodeId, role, opts);
  const create = { shortcode: 'hello', text: 'Hello {{contact.name}}!' };

  it('answers a valid member session', async () => {
    const res = await inboxClient(f, token()).call('GET', '/v1/inbox/conversations');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ conversations: [], nextCursor: null });
  });

  it('refuses missing, forged, expired and other-node tokens with 401, and changes nothing', async () => {
    const attacker = generateKeyPairSync('ed25519').privateKey;
    const forged = issueNodeSession({
      userId: 'u',
      workspaceId: 'w',
      nodeId: f.config.nodeId,
      role: 'owner',
      privateKey: attacker,
    }).token;
    const expired = token('owner', { now: new Date(Date.now() - 20 * 60_000) });
    const otherNode = f.cp.session('some-other-node', 'owner');
    const cases: [string | null, string | undefined][] = [
      [null, undefined],
      ['not-a-token', 'malformed'],
      [forged, 'bad_signature'],
      [expired, 'expired'],
      [otherNode, 'other_node'],
    ];
    for (const [t, reason] of cases) {
      const res = await inboxClient(f, t).call('POST', '/v1/inbox/saved-replies', create);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
      if (reason) expect(res.body.error.details).toEqual({ reason });
    }
    expect(savedReplyCount()).toBe(0);
  });

  it('enforces roles: a member cannot manage saved replies or erase; an admin can', async () => {
    const asMember = await inboxClient(f, token('member')).call('POST', '/v1/inbox/saved-replies', create);
    expect(asMember.status).toBe(403);
    expect(savedReplyCount()).toBe(0);
    const asAdmin = await inboxClient(f, token('admin')).call('POST', '/v1/inbox/saved-replies', create);
    expect(asAdmin.status).toBe(201);
    expect(asAdmin.body.savedReply).toMatchObject(create);
    const asOwner = await inboxClient(f, token('owner')).call('GET', '/v1/inbox/saved-replies');
    expect(asOwner.body.savedReplies).toHaveLength(1);
  });

  it('answers CORS only for the dashboard origin, and sets no cookie', async () => {
    const preflight = await fetch(`${f.nodeUrl}/v1/inbox/conversations`, {
      method: 'OPTIONS',
      headers: {
        origin: TEST_DASHBOARD_ORIGIN,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(TEST_DASHBOARD_ORIGIN);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');

    const fromDashboard = await inboxClient(f, token()).call('GET', '/v1/inbox/conversations', undefined, {
      origin: TEST_DASHBOARD_ORIGIN,
    });
    expect(fromDashboard.status).toBe(200);
    expect(fromDashboard.headers.get('access-control-allow-origin')).toBe(TEST_DASHBOARD_ORIGIN);
    expect(fromDashboard.headers.get('set-cookie')).toBeNull();

    const elsewhere = await inboxClient(f, token('owner')).call('POST', '/v1/inbox/saved-replies', create, {
      origin: 'https://evil.example',
    });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
    expect(savedReplyCount()).toBe(1);
  });

  it('refuses bad input with the node error shape: bad filters, unknown ids, oversized replies, bad JSON', async () => {
    const member = inboxClient(f, token('admin'));
    const unknown = '00000000-0000-4000-8000-000000000000';
    const cases: [string, string, unknown, number][] = [
      ['GET', '/v1/inbox/conversations?status=maybe', undefined, 422],
      ['GET', '/v1/inbox/conversations?limit=100000', undefined, 422],
      ['GET', '/v1/inbox/conversations?sort=evil', undefined, 422],
      ['GET', '/v1/inbox/conversations?before=bm90LWEtY3Vyc29y', undefined, 422],
      ['GET', `/v1/inbox/conversations/${unknown}`, undefined, 404],
      ['GET', '/v1/inbox/conversations/../../etc', undefined, 404],
      ['POST', `/v1/inbox/conversations/${unknown}/messages`, { text: 'hi' }, 404],
      ['POST', `/v1/inbox/conversations/${unknown}/messages`, { text: 'x'.repeat(5000) }, 422],
      ['POST', `/v1/inbox/conversations/${unknown}/messages`, { text: 'a\u0000b' }, 422],
      ['POST', `/v1/inbox/conversations/${unknown}/notes`, '{not json', 400],
      ['POST', `/v1/inbox/conversations/${unknown}/messages`, { text: 'x'.repeat(70_000) }, 413],
      ['PATCH', `/v1/inbox/conversations/${unknown}`, { status: 'snoozed' }, 422],
      ['POST', '/v1/inbox/saved-replies', { shortcode: 'Bad Code!', text: 'x' }, 422],
      ['POST', '/v1/inbox/saved-replies', create, 409],
      ['PUT', '/v1/inbox/saved-replies/999', create, 404],
      ['DELETE', `/v1/inbox/conversations/${unknown}`, undefined, 404],
    ];
    for (const [method, path, body, status] of cases) {
      const res = await member.call(method, path, body);
      expect({ method, path, status: res.status }).toEqual({ method, path, status });
      expect(res.body.error).toEqual(
        expect.objectContaining({ code: expect.any(String), message: expect.any(String) }),
      );
    }
    expect(savedReplyCount()).toBe(1);
  });
});
