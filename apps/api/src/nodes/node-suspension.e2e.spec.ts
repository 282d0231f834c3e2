import { waitFor } from '../../test/agent-node-harness';
import { type AgentsWorkspace, auditActions, startAgentsWorkspace } from '../../test/agents-workspace';
import { signInByEmail } from '../../test/sign-in';

/** The node stops answering when staff or billing suspend its workspace, and answers again after. */
describe('node suspension', () => {
  let f: AgentsWorkspace;
  let staff: string;
  const http = () => f.h.api.http();

  beforeAll(async () => {
    f = await startAgentsWorkspace();
    staff = await signInByEmail(f.h.api, 'staff@enclave.test');
  });
  afterAll(() => f?.close());

  it('staff suspend and resume the node (audited); a customer may not', async () => {
    await http()
      .post(`/api/staff/workspaces/${f.owner.workspaceId}/suspend`)
      .set('Cookie', staff)
      .expect(200, { suspended: true, delivery: 'delivered' });
    expect(f.node.app.state()).toBe('suspended');
    await http().post(`/api/staff/workspaces/${f.owner.workspaceId}/suspend`).set('Cookie', f.owner.cookie).expect(403);
    await http()
      .post(`/api/staff/workspaces/${f.owner.workspaceId}/resume`)
      .set('Cookie', staff)
      .expect(200, { suspended: false, delivery: 'delivered' });
    expect(f.node.app.state()).toBe('active');
    const actions = await auditActions(f.h.api, f.owner.workspaceId);
    expect(actions).toEqual(expect.arrayContaining(['node.suspend_requested', 'node.resume_requested']));
  });

  it('follows the workspace status billing sets: suspended → node suspended after the next heartbeat, and back', async () => {
    // The heartbeat shows the node behind the workspace's status: the worker's DeliverToNode job catches it up.
    const worker = await f.h.startWorker();
    try {
      const [{ status: before }] = (await f.h.api.dataSource.query('SELECT status FROM workspaces WHERE id = $1', [
        f.owner.workspaceId,
      ])) as Array<{ status: string }>;
      await f.h.api.dataSource.query(`UPDATE workspaces SET status = 'suspended' WHERE id = $1`, [f.owner.workspaceId]);
      expect(await f.node.app.internals.heartbeat.beat()).toBe(true);
      await waitFor(() => f.node.app.state() === 'suspended');
      // Staff resuming does not lift a billing suspension.
      await http()
        .post(`/api/staff/workspaces/${f.owner.workspaceId}/resume`)
        .set('Cookie', staff)
        .expect(200, { suspended: true, delivery: 'delivered' });
      await f.h.api.dataSource.query('UPDATE workspaces SET status = $2 WHERE id = $1', [f.owner.workspaceId, before]);
      expect(await f.node.app.internals.heartbeat.beat()).toBe(true);
      await waitFor(() => f.node.app.state() === 'active');
    } finally {
      await worker.close();
    }
  });
});
