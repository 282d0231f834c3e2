import { existsSync } from 'node:fs';
import { HostEntity, NodeEntity, ProvisioningStepEntity } from '@enclave/persistence';
import { PROVISION_STEPS } from '@enclave/provisioning';
import {
  eventually,
  type ProvisioningHarness,
  startProvisioningHarness,
  type WorkerProcess,
} from '../../test/provisioning-harness';

/** Reads an SSE stream until `until` matches an event; returns the events seen. */
async function readEvents(
  url: string,
  cookie: string,
  until: (event: { type: string; data: Record<string, unknown> }) => boolean,
  timeoutMs: number,
) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: Array<{ type: string; data: Record<string, unknown> }> = [];
  try {
    const response = await fetch(url, { headers: { cookie, accept: 'text/event-stream' }, signal: controller.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += Buffer.from(value).toString('utf8');
      let index: number;
      while ((index = buffer.indexOf('\n\n')) >= 0) {
        const chunk = buffer.slice(0, index);
        buffer = buffer.slice(index + 2);
        const type = /^event: (.*)$/m.exec(chunk)?.[1] ?? 'message';
        const data = /^data: (.*)$/m.exec(chunk)?.[1];
        if (!data) continue;
        const event = { type, data: JSON.parse(data) as Record<string, unknown> };
        events.push(event);
        if (until(event)) {
          controller.abort();
          return events;
        }
      }
    }
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
  } finally {
    clearTimeout(timer);
  }
  return events;
}

describe('provisioning end to end (real sshd, real bundle, Cloudflare stand-in)', () => {
  let h: ProvisioningHarness;
  let worker: WorkerProcess;

  beforeAll(async () => {
    h = await startProvisioningHarness();
    worker = h.startWorker();
  }, 120_000);
  afterAll(async () => {
    await worker?.kill();
    await h?.close();
  });

  it('provisions a paid workspace onto a pool host, live over SSE, then deprovisions it and frees the host', async () => {
    const { sshd, hostId, root } = await h.addHost();
    const started = Date.now();
    const created = await h.api
      .http()
      .post('/api/workspaces')
      .set('cookie', h.ownerCookie)
      .send({ name: 'Acme', slug: 'acme-prov' })
      .expect(201);
    const workspaceId = created.body.id as string;
    const sse = readEvents(
      `${h.api.url}/api/workspaces/${workspaceId}/provisioning/events`,
      h.ownerCookie,
      (e) => e.type === 'step' && e.data.step === null && e.data.status === 'succeeded',
      240_000,
    );
    await new Promise((r) => setTimeout(r, 300)); // let the stream subscribe
    await h.api.dataSource.query(`UPDATE workspaces SET status = 'provisioning' WHERE id = $1`, [workspaceId]);
    await h.enqueueProvision(workspaceId);
    await h.enqueueProvision(workspaceId); // duplicate enqueue: same job id, no-op

    expect(await h.waitForStatus(workspaceId, ['active', 'provisioning_failed'], 240_000)).toBe('active');
    const provisioningMs = Date.now() - started;
    const timings = (await h.api.dataSource.getRepository(ProvisioningStepEntity).find({ order: { position: 'ASC' } }))
      .map(
        (step) =>
          `${step.name}=${step.finishedAt && step.startedAt ? step.finishedAt.getTime() - step.startedAt.getTime() : '?'}ms`,
      )
      .join(' ');
    process.stdout.write(`provisioning took ${provisioningMs} ms (${timings})\n`);

    // Progress: members see every step succeeded; the stream showed each step as it changed.
    const status = await h.api
      .http()
      .get(`/api/workspaces/${workspaceId}/provisioning`)
      .set('cookie', h.ownerCookie)
      .expect(200);
    const run = status.body.runs.find((r: { action: string }) => r.action === 'provision');
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual(
      PROVISION_STEPS.map((s) => `${s}:succeeded`),
    );
    expect(run.steps[0].log).toBeUndefined();
    const events = await sse;
    expect(events[0].type).toBe('snapshot');
    const stepEvents = events
      .filter((e) => e.type === 'step' && e.data.step)
      .map((e) => `${e.data.step}:${e.data.status}`);
    for (const step of PROVISION_STEPS) expect(stepEvents).toContain(`${step}:succeeded`);

    // Staff see the redacted command log.
    const staffView = await h.api
      .http()
      .get(`/api/staff/workspaces/${workspaceId}/provisioning`)
      .set('cookie', h.staffCookie)
      .expect(200);
    expect(staffView.body.runs[0].steps.find((s: { name: string }) => s.name === 'install').log).toContain(
      'install.sh',
    );
    const logs = (await h.api.dataSource.getRepository(ProvisioningStepEntity).find()).map((s) => s.log).join('\n');
    expect(logs).not.toMatch(/enrolmentToken|BEGIN PRIVATE KEY/);

    // The node enrolled (public key stored, token only hashed) and beats; DNS record proxied.
    const node = await h.api.dataSource.getRepository(NodeEntity).findOneByOrFail({ workspaceId });
    expect(node).toMatchObject({ status: 'healthy', reportedState: 'active' });
    expect(node.publicKey).toContain('BEGIN PUBLIC KEY');
    expect(node.enrolmentTokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(node.lastHeartbeatAt).not.toBeNull();
    expect(node.certificateId).toBeTruthy();
    const records = await h.dnsRecords('acme-prov.enclave.test');
    expect(records).toEqual([expect.objectContaining({ type: 'A', content: '127.0.0.1', proxied: true })]);
    const host = await h.api.dataSource.getRepository(HostEntity).findOneByOrFail({ id: hostId });
    expect(host).toMatchObject({ status: 'allocated', workspaceId });
    expect(existsSync(`${root}/data/node.sqlite`)).toBe(true);
    // The notice is mailed right after the commit that made the workspace active.
    await eventually(async () => {
      const mail = (await (
        await fetch(`${h.api.sandbox.url}/mail/messages?to=${encodeURIComponent(h.ownerEmail)}`)
      ).json()) as Array<{ subject: string }>;
      return mail.some((m) => m.subject.includes('is ready'));
    }, 10_000);
    const actions = await h.auditActions(workspaceId);
    expect(actions).toEqual(
      expect.arrayContaining([
        'provisioning.started',
        'provisioning.host_allocated',
        'node.enrolled',
        'dns.record_upserted',
        'provisioning.succeeded',
      ]),
    );

    // Deprovision: signed wipe → receipt; data dir gone; DNS record gone; host free again.
    await h.requestDeprovision(workspaceId);
    expect(await h.waitForStatus(workspaceId, 'deprovisioned', 120_000)).toBe('deprovisioned');
    const wiped = await h.api.dataSource.getRepository(NodeEntity).findOneByOrFail({ id: node.id });
    expect(wiped.status).toBe('wiped');
    expect(wiped.wipeReceipt).toMatchObject({ method: 'node', nodeId: node.id, hostWipe: { dataDirRemoved: true } });
    // Only the node's own wipe marker was left in its data directory (then the wipe script removed the directory).
    expect((wiped.wipeReceipt!.remaining as string[]).filter((file) => file !== 'wiped.json')).toEqual([]);
    expect(existsSync(`${root}/data`)).toBe(false);
    expect(await h.dnsRecords('acme-prov.enclave.test')).toEqual([]);
    expect(await h.api.dataSource.getRepository(HostEntity).findOneByOrFail({ id: hostId })).toMatchObject({
      status: 'free',
      workspaceId: null,
    });
    expect(await h.auditActions(workspaceId)).toEqual(
      expect.arrayContaining([
        'deprovisioning.started',
        'node.wiped',
        'host.wiped',
        'dns.record_removed',
        'host.released',
        'deprovisioning.succeeded',
      ]),
    );
    expect(sshd.running()).toBe(true);
  }, 300_000);

  it('answers 404 to non-members and 403 to non-staff, and validates host registrations', async () => {
    const { signInByEmail } = await import('../../test/sign-in');
    const outsider = await signInByEmail(h.api, 'outsider@provisioning.test');
    const created = await h.api
      .http()
      .post('/api/workspaces')
      .set('cookie', h.ownerCookie)
      .send({ name: 'Private', slug: 'private-prov' })
      .expect(201);
    await h.api.http().get(`/api/workspaces/${created.body.id}/provisioning`).set('cookie', outsider).expect(404);
    await h.api
      .http()
      .get(`/api/workspaces/${created.body.id}/provisioning/events`)
      .set('cookie', outsider)
      .expect(404);
    await h.api
      .http()
      .post(`/api/staff/workspaces/${created.body.id}/provisioning/retry`)
      .set('cookie', outsider)
      .expect(403);
    const conflict = await h.api
      .http()
      .post(`/api/staff/workspaces/${created.body.id}/provisioning/retry`)
      .set('cookie', h.staffCookie)
      .expect(409);
    expect(conflict.body.error.code).toBe('not_retryable');
    const bad = await h.api
      .http()
      .post('/api/staff/hosts')
      .set('cookie', h.staffCookie)
      .send({ name: 'x', address: '127.0.0.1', hostKeyFingerprint: 'MD5:aa:bb' })
      .expect(400);
    expect(bad.body.error.code).toBe('validation_failed');
    await h.api
      .http()
      .post('/api/staff/hosts')
      .set('cookie', h.staffCookie)
      .send({ name: 'x', address: '127.0.0.1', hostKeyFingerprint: `SHA256:${'a'.repeat(43)}`, installRoot: '/' })
      .expect(400);
    await h.api
      .http()
      .post('/api/staff/hosts')
      .set('cookie', h.ownerCookie)
      .send({ name: 'x', address: '127.0.0.1', hostKeyFingerprint: `SHA256:${'a'.repeat(43)}` })
      .expect(403);
    // The pool: listed for staff; a free host can be retired, never one in use; duplicate names refused.
    const spare = await h.api
      .http()
      .post('/api/staff/hosts')
      .set('cookie', h.staffCookie)
      .send({ name: 'spare-1', address: '192.0.2.7', hostKeyFingerprint: `SHA256:${'b'.repeat(43)}` })
      .expect(201);
    expect(spare.body).toMatchObject({
      provider: 'pool',
      status: 'free',
      sshPort: 22,
      sshUser: 'root',
      installRoot: '/opt/enclave',
      publicPort: 443,
    });
    expect(
      (
        await h.api
          .http()
          .post('/api/staff/hosts')
          .set('cookie', h.staffCookie)
          .send({ name: 'spare-1', address: '192.0.2.8', hostKeyFingerprint: `SHA256:${'b'.repeat(43)}` })
          .expect(409)
      ).body.error.code,
    ).toBe('host_name_taken');
    const listed = await h.api.http().get('/api/staff/hosts').set('cookie', h.staffCookie).expect(200);
    expect(listed.body.map((host: { name: string }) => host.name)).toContain('spare-1');
    await h.api.http().delete(`/api/staff/hosts/${spare.body.id}`).set('cookie', h.staffCookie).expect(204);
    expect(
      (await h.api.http().delete(`/api/staff/hosts/${spare.body.id}`).set('cookie', h.staffCookie).expect(409)).body
        .error.code,
    ).toBe('host_not_free');
    const fleet = await h.api.http().get('/api/staff/fleet/nodes').set('cookie', h.staffCookie).expect(200);
    expect(Array.isArray(fleet.body)).toBe(true);
  });
});
