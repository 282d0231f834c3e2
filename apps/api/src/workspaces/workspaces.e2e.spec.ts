import { type ApiHarness, startApiHarness } from '../../test/api-harness';
import { signInByEmail } from '../../test/sign-in';

describe('workspaces', () => {
  let harness: ApiHarness;
  let owner: string;
  let outsider: string;

  beforeAll(async () => {
    harness = await startApiHarness();
    owner = await signInByEmail(harness, 'owner@example.com');
    outsider = await signInByEmail(harness, 'outsider@example.com');
  });
  afterAll(() => harness.close());

  const create = (cookie: string, body: object) =>
    harness.http().post('/api/workspaces').set('cookie', cookie).send(body);

  it('creates a workspace with its creator as owner, and lists it', async () => {
    const created = await create(owner, { name: 'Acme Support', slug: 'acme-support' }).expect(201);
    expect(created.body).toMatchObject({
      name: 'Acme Support',
      slug: 'acme-support',
      status: 'pending_payment',
      role: 'owner',
    });
    const list = await harness.http().get('/api/workspaces').set('cookie', owner).expect(200);
    expect(list.body.map((w: { slug: string }) => w.slug)).toEqual(['acme-support']);
    const others = await harness.http().get('/api/workspaces').set('cookie', outsider).expect(200);
    expect(others.body).toEqual([]);
  });

  it.each([
    ['ab', 'slug_invalid'],
    ['-acme', 'slug_invalid'],
    ['Acme', 'slug_invalid'],
    ['xn--acme', 'slug_invalid'],
    ['acme_support', 'slug_invalid'],
    ['www', 'slug_invalid'],
    ['a'.repeat(41), 'slug_invalid'],
  ])('refuses slug %p with 400 %s and creates nothing', async (slug, code) => {
    const response = await create(owner, { name: 'X', slug }).expect(400);
    expect(response.body.error.code).toBe(code);
    const count = await harness.dataSource.query(`SELECT count(*)::int AS n FROM workspaces WHERE slug = $1`, [slug]);
    expect(count[0].n).toBe(0);
  });

  it('refuses a taken slug with 409, also under concurrent creation', async () => {
    const results = await Promise.all([
      create(owner, { name: 'A', slug: 'racy' }),
      create(outsider, { name: 'B', slug: 'racy' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(results.find((r) => r.status === 409)!.body.error.code).toBe('slug_taken');
    const availability = await harness
      .http()
      .get('/api/workspaces/slug-availability?slug=racy')
      .set('cookie', owner)
      .expect(200);
    expect(availability.body).toEqual({ slug: 'racy', available: false, reason: 'Slug is already taken.' });
  });

  it('rejects unknown fields, over-long names and bad UUIDs with 400', async () => {
    expect((await create(owner, { name: 'X', slug: 'fine-slug', plan: 'free' }).expect(400)).body.error.code).toBe(
      'validation_failed',
    );
    expect((await create(owner, { name: 'n'.repeat(81), slug: 'fine-slug' }).expect(400)).body.error.code).toBe(
      'validation_failed',
    );
    expect(
      (await harness.http().get('/api/workspaces/not-a-uuid').set('cookie', owner).expect(400)).body.error.code,
    ).toBe('invalid_id');
  });

  describe('members and access', () => {
    let workspaceId: string;
    let member: string;
    let memberId: string;

    beforeAll(async () => {
      workspaceId = (await create(owner, { name: 'Team', slug: 'team-space' }).expect(201)).body.id;
      member = await signInByEmail(harness, 'member@example.com');
      memberId = (await harness.http().get('/api/me').set('cookie', member).expect(200)).body.id;
    });

    it('invites an existing user as member at once, and a new address as a pending invitation accepted at sign-in', async () => {
      const added = await harness
        .http()
        .post(`/api/workspaces/${workspaceId}/members`)
        .set('cookie', owner)
        .send({ email: 'member@example.com' })
        .expect(201);
      expect(added.body).toEqual({ status: 'added', email: 'member@example.com' });
      const invited = await harness
        .http()
        .post(`/api/workspaces/${workspaceId}/members`)
        .set('cookie', owner)
        .send({ email: 'New.Person@example.com', role: 'admin' })
        .expect(201);
      expect(invited.body).toEqual({ status: 'invited', email: 'new.person@example.com' });
      const mail = (await (
        await fetch(`${harness.sandbox.url}/mail/messages?to=new.person@example.com`)
      ).json()) as Array<{ subject: string }>;
      expect(mail[0].subject).toContain('Team');
      const newcomer = await signInByEmail(harness, 'new.person@example.com');
      const seen = await harness.http().get(`/api/workspaces/${workspaceId}`).set('cookie', newcomer).expect(200);
      expect(seen.body.role).toBe('admin');
      const members = await harness
        .http()
        .get(`/api/workspaces/${workspaceId}/members`)
        .set('cookie', member)
        .expect(200);
      expect(members.body.members.map((m: { email: string; role: string }) => `${m.email}:${m.role}`).sort()).toEqual([
        'member@example.com:member',
        'new.person@example.com:admin',
        'owner@example.com:owner',
      ]);
      expect(members.body.invitations).toEqual([]);
    });

    it('gives a non-member 404 on every workspace route', async () => {
      const routes: Array<[string, string, object?]> = [
        ['get', `/api/workspaces/${workspaceId}`],
        ['patch', `/api/workspaces/${workspaceId}`, { name: 'Mine now' }],
        ['delete', `/api/workspaces/${workspaceId}`],
        ['get', `/api/workspaces/${workspaceId}/members`],
        ['post', `/api/workspaces/${workspaceId}/members`, { email: 'x@example.com' }],
        ['patch', `/api/workspaces/${workspaceId}/members/${memberId}`, { role: 'admin' }],
        ['delete', `/api/workspaces/${workspaceId}/members/${memberId}`],
        ['get', `/api/workspaces/${workspaceId}/audit-events`],
      ];
      for (const [method, path, body] of routes) {
        const http = harness.http() as unknown as Record<
          string,
          (p: string) => ReturnType<ReturnType<ApiHarness['http']>['get']>
        >;
        const call = http[method](path).set('cookie', outsider);
        const response = await (body ? call.send(body) : call);
        expect({ path, method, status: response.status, code: response.body.error?.code }).toEqual({
          path,
          method,
          status: 404,
          code: 'workspace_not_found',
        });
      }
    });

    it('lets a plain member read but not configure (403), and only owners delete', async () => {
      await harness
        .http()
        .patch(`/api/workspaces/${workspaceId}`)
        .set('cookie', member)
        .send({ name: 'Renamed' })
        .expect(403);
      await harness
        .http()
        .post(`/api/workspaces/${workspaceId}/members`)
        .set('cookie', member)
        .send({ email: 'y@example.com' })
        .expect(403);
      const renamed = await harness
        .http()
        .patch(`/api/workspaces/${workspaceId}`)
        .set('cookie', owner)
        .set('user-agent', 'EnclaveTest/1.0')
        .send({ name: 'Team Two' })
        .expect(200);
      expect(renamed.body.name).toBe('Team Two');
      await harness.http().delete(`/api/workspaces/${workspaceId}`).set('cookie', member).expect(403);
    });

    it('changes roles, never leaves a workspace without an owner, and removes members', async () => {
      const ownerId = (await harness.http().get('/api/me').set('cookie', owner).expect(200)).body.id;
      const lastOwner = await harness
        .http()
        .patch(`/api/workspaces/${workspaceId}/members/${ownerId}`)
        .set('cookie', owner)
        .send({ role: 'member' })
        .expect(409);
      expect(lastOwner.body.error.code).toBe('last_owner');
      await harness
        .http()
        .patch(`/api/workspaces/${workspaceId}/members/${memberId}`)
        .set('cookie', owner)
        .send({ role: 'admin' })
        .expect(204);
      await harness
        .http()
        .patch(`/api/workspaces/${workspaceId}/members/${memberId}`)
        .set('cookie', member)
        .send({ role: 'owner' })
        .expect(403);
      await harness
        .http()
        .delete(`/api/workspaces/${workspaceId}/members/${memberId}`)
        .set('cookie', owner)
        .expect(204);
      await harness.http().get(`/api/workspaces/${workspaceId}`).set('cookie', member).expect(404);
    });

    it('records each step in the workspace audit trail, in order, for its members', async () => {
      const trail = await harness
        .http()
        .get(`/api/workspaces/${workspaceId}/audit-events?limit=100`)
        .set('cookie', owner)
        .expect(200);
      const actions = trail.body.items.map((e: { action: string }) => e.action).reverse();
      expect(actions).toEqual([
        'workspace.created',
        'membership.created',
        'invitation.created',
        'invitation.accepted',
        'workspace.renamed',
        'membership.role_changed',
        'membership.removed',
      ]);
      const renamed = trail.body.items.find((e: { action: string }) => e.action === 'workspace.renamed');
      expect(renamed).toMatchObject({
        actorType: 'user',
        outcome: 'success',
        workspaceId,
        ip: expect.any(String),
        userAgent: 'EnclaveTest/1.0',
        details: { before: 'Team', after: 'Team Two' },
      });
    });

    it('deletes the workspace for its owner; afterwards it is gone for everyone', async () => {
      await harness.http().delete(`/api/workspaces/${workspaceId}`).set('cookie', owner).expect(204);
      await harness.http().get(`/api/workspaces/${workspaceId}`).set('cookie', owner).expect(404);
    });
  });
});
