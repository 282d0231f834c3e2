import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type ApiHarness, startApiHarness } from '../../test/api-harness';
import { signInByEmail } from '../../test/sign-in';

const run = promisify(execFile);

async function cli(
  harness: ApiHarness,
  script: string,
  args: string[] = [],
): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, ['-r', '@swc-node/register', script, ...args], {
      env: { ...process.env, ...harness.env },
      cwd: process.cwd(),
    });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

describe('audit log: staff console API, append-only storage, hash chain', () => {
  let harness: ApiHarness;
  let staff: string;
  let customer: string;
  let workspaceId: string;

  beforeAll(async () => {
    harness = await startApiHarness();
    staff = await signInByEmail(harness, 'staff@enclave.test');
    customer = await signInByEmail(harness, 'customer@example.com');
    workspaceId = (
      await harness
        .http()
        .post('/api/workspaces')
        .set('cookie', customer)
        .send({ name: 'Shop', slug: 'shop' })
        .expect(201)
    ).body.id;
    await harness
      .http()
      .post('/api/workspaces')
      .set('cookie', customer)
      .send({ name: 'Other', slug: 'other-shop' })
      .expect(201);
    for (let i = 0; i < 5; i += 1) {
      await harness
        .http()
        .patch(`/api/workspaces/${workspaceId}`)
        .set('cookie', customer)
        .send({ name: `Shop ${i}` })
        .expect(200);
    }
  });
  afterAll(() => harness.close());

  it('refuses non-staff with 403 and anonymous callers with 401', async () => {
    expect(
      (await harness.http().get('/api/staff/audit-events').set('cookie', customer).expect(403)).body.error.code,
    ).toBe('staff_only');
    await harness.http().get('/api/staff/audit-events').expect(401);
    await harness.http().get('/api/staff/audit-events/export.csv').set('cookie', customer).expect(403);
  });

  it('filters by workspace and action and pages with a keyset cursor that is stable under inserts', async () => {
    const first = await harness
      .http()
      .get(`/api/staff/audit-events?workspaceId=${workspaceId}&action=workspace.renamed&limit=2`)
      .set('cookie', staff)
      .expect(200);
    expect(first.body.items.map((e: { details: { after: string } }) => e.details.after)).toEqual(['Shop 4', 'Shop 3']);
    // New events arrive between pages: the next page neither repeats nor skips anything.
    await harness
      .http()
      .patch(`/api/workspaces/${workspaceId}`)
      .set('cookie', customer)
      .send({ name: 'Shop 5' })
      .expect(200);
    const second = await harness
      .http()
      .get(
        `/api/staff/audit-events?workspaceId=${workspaceId}&action=workspace.renamed&limit=2&cursor=${first.body.nextCursor}`,
      )
      .set('cookie', staff)
      .expect(200);
    expect(second.body.items.map((e: { details: { after: string } }) => e.details.after)).toEqual(['Shop 2', 'Shop 1']);
    const third = await harness
      .http()
      .get(
        `/api/staff/audit-events?workspaceId=${workspaceId}&action=workspace.renamed&limit=2&cursor=${second.body.nextCursor}`,
      )
      .set('cookie', staff)
      .expect(200);
    expect(third.body.items.map((e: { details: { after: string } }) => e.details.after)).toEqual(['Shop 0']);
    expect(third.body.nextCursor).toBeNull();
  });

  it('filters by actor, action family and time range', async () => {
    const me = (await harness.http().get('/api/me').set('cookie', customer).expect(200)).body;
    const byActor = await harness
      .http()
      .get(`/api/staff/audit-events?actorId=${me.id}&action=workspace.&limit=500`)
      .set('cookie', staff)
      .expect(200);
    expect(new Set(byActor.body.items.map((e: { action: string }) => e.action))).toEqual(
      new Set(['workspace.created', 'workspace.renamed']),
    );
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = await harness
      .http()
      .get(`/api/staff/audit-events?from=${encodeURIComponent(future)}`)
      .set('cookie', staff)
      .expect(200);
    expect(none.body.items).toEqual([]);
  });

  it('rejects bad filters with 400', async () => {
    for (const query of [
      'workspaceId=nope',
      'cursor=abc',
      'limit=0',
      'limit=501',
      'from=yesterday',
      'action=DROP%20TABLE',
      'unknown=1',
    ]) {
      const response = await harness.http().get(`/api/staff/audit-events?${query}`).set('cookie', staff);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
    }
  });

  it('downloads matching events as CSV', async () => {
    const response = await harness
      .http()
      .get(`/api/staff/audit-events/export.csv?workspaceId=${workspaceId}`)
      .set('cookie', staff)
      .expect(200);
    expect(response.headers['content-type']).toContain('text/csv');
    const lines = response.text.trim().split('\r\n');
    expect(lines[0]).toBe(
      'id,occurredAt,actorType,actorId,workspaceId,action,targetType,targetId,ip,userAgent,outcome,details,hash',
    );
    expect(lines.slice(1).every((line) => line.includes(workspaceId))).toBe(true);
    expect(lines).toHaveLength(1 + 1 + 6);
  });

  it("shows a customer only their own workspace's events", async () => {
    const trail = await harness
      .http()
      .get(`/api/workspaces/${workspaceId}/audit-events?limit=500`)
      .set('cookie', customer)
      .expect(200);
    expect(trail.body.items.every((e: { workspaceId: string }) => e.workspaceId === workspaceId)).toBe(true);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on audit rows to the application role', async () => {
    await expect(harness.dataSource.query(`UPDATE audit_events SET action = 'forged'`)).rejects.toThrow(/append-only/);
    await expect(harness.dataSource.query(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
    await expect(harness.dataSource.query(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);
  });

  it('verifies the chain, and reports the exact row a superuser altered behind the triggers', async () => {
    const intact = await harness.http().get('/api/staff/audit-events/chain').set('cookie', staff).expect(200);
    expect(intact.body).toMatchObject({ ok: true });
    expect(intact.body.checked).toBeGreaterThan(10);
    const ok = await cli(harness, 'apps/api/src/cli/audit-verify.ts');
    expect(ok).toMatchObject({ code: 0, stdout: expect.stringContaining('audit chain intact') });

    const [victim] = await harness.dataSource.query(
      `SELECT id FROM audit_events WHERE action = 'workspace.renamed' ORDER BY id LIMIT 1 OFFSET 2`,
    );
    await harness.dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL session_replication_role = replica`);
      await manager.query(`UPDATE audit_events SET details = '{"after":"innocent"}' WHERE id = $1`, [victim.id]);
    });
    const broken = await cli(harness, 'apps/api/src/cli/audit-verify.ts');
    expect(broken.code).toBe(2);
    expect(broken.stdout).toContain(`BROKEN at event id ${victim.id} (hash_mismatch)`);
    const api = await harness.http().get('/api/staff/audit-events/chain').set('cookie', staff).expect(200);
    expect(api.body).toMatchObject({ ok: false, brokenAt: victim.id, reason: 'hash_mismatch' });
  });

  it('grants staff from the command line, audited', async () => {
    const result = await cli(harness, 'apps/api/src/cli/staff-grant.ts', ['customer@example.com']);
    expect(result).toMatchObject({ code: 0 });
    await harness.http().get('/api/staff/audit-events?limit=1').set('cookie', customer).expect(200);
    const [event] = await harness.dataSource.query(
      `SELECT actor_type, details FROM audit_events WHERE action = 'user.staff_granted' AND details->>'source' = 'cli'`,
    );
    expect(event).toEqual({ actor_type: 'system', details: { source: 'cli' } });
  });
});
