import { NODE_DELIVERY, type NodeDelivery } from '@enclave/node-delivery';
import { PendingSecretDeliveryEntity } from '@enclave/persistence';
import { JOB_IDS, JobName, QueueService } from '@enclave/queue';
import type { INestApplicationContext } from '@nestjs/common';
import { createNodeRecord, ownerWithWorkspace, startAgentNode, waitFor } from '../../test/agent-node-harness';
import { type AgentsWorkspace, alnum, startAgentsWorkspace, telegramToken } from '../../test/agents-workspace';

/** Configuration and secrets reaching the node: at once, after the node was down, or once a late node enrols. */
describe('delivery to the node', () => {
  let f: AgentsWorkspace;
  const http = () => f.h.api.http();

  beforeAll(async () => {
    f = await startAgentsWorkspace();
  });
  afterAll(() => f?.close());

  describe('agents and channels on the node', () => {
    it('pushes agent changes as new config revisions; refuses deleting an agent in use; ids of another workspace are 404', async () => {
      await http()
        .patch(`${f.ws}/agents/${f.agentId}`)
        .set('Cookie', f.adminCookie)
        .send({ model: 'gpt-4o', instructions: 'Be brief.' })
        .expect(200);
      const applied = f.node.app.internals.config.listAgents().find((a) => a.id === f.agentId);
      expect(applied).toMatchObject({ model: 'gpt-4o', instructions: 'Be brief.' });
      const conflict = await http().delete(`${f.ws}/agents/${f.agentId}`).set('Cookie', f.owner.cookie).expect(409);
      expect(conflict.body.error.code).toBe('agent_in_use');
      // The outsider's own workspace, with this workspace's agent and channel ids: not found there.
      await http()
        .get(`/api/workspaces/${f.outsider.workspaceId}/agents/${f.agentId}`)
        .set('Cookie', f.outsider.cookie)
        .expect(404);
      await http()
        .patch(`/api/workspaces/${f.outsider.workspaceId}/channels/${f.channelId}`)
        .set('Cookie', f.outsider.cookie)
        .send({ enabled: false })
        .expect(404);
      await http()
        .post(`/api/workspaces/${f.outsider.workspaceId}/channels`)
        .set('Cookie', f.outsider.cookie)
        .send({ type: 'telegram', agentId: f.agentId, botToken: telegramToken() })
        .expect(400);
    });

    it('a node that is down gets the change later: pending, then delivered', async () => {
      await f.node.halt();
      const key = `sk-downtime${alnum(30)}`;
      const res = await http()
        .put(`${f.ws}/secrets/openai_api_key`)
        .set('Cookie', f.adminCookie)
        .send({ value: key })
        .expect(200);
      expect(res.body).toMatchObject({ delivery: 'pending', secret: { status: 'pending' } });
      await f.node.restart();
      expect(f.node.app.internals.secrets.resolve('openai_api_key')).toBeUndefined();
      await expect(f.h.api.app.get<NodeDelivery>(NODE_DELIVERY).deliver(f.owner.workspaceId)).resolves.toMatchObject({
        complete: true,
        secretsDelivered: 1,
      });
      expect(f.node.app.internals.secrets.resolve('openai_api_key')).toBe(key);
      expect(
        await f.h.api.dataSource
          .getRepository(PendingSecretDeliveryEntity)
          .countBy({ workspaceId: f.owner.workspaceId }),
      ).toBe(0);
    });
  });

  describe('secrets waiting for a node', () => {
    it('wait encrypted with a TTL ≤ 1 hour and are destroyed by the sweep when no node came', async () => {
      const other = f.outsider; // a workspace without a node
      const key = `sk-waiting${alnum(30)}`;
      const res = await http()
        .put(`/api/workspaces/${other.workspaceId}/secrets/openai_api_key`)
        .set('Cookie', other.cookie)
        .send({ value: key })
        .expect(200);
      expect(res.body.delivery).toBe('pending');
      const job = await f.h.api.app
        .get(QueueService)
        .queueOf(JobName.DeliverToNode)
        .getJob(JOB_IDS.deliverToNode(other.workspaceId));
      expect(job?.data).toEqual({ workspaceId: other.workspaceId });
      const pending = await f.h.api.dataSource
        .getRepository(PendingSecretDeliveryEntity)
        .findOneByOrFail({ workspaceId: other.workspaceId });
      expect(pending.sealed).not.toContain(key);
      expect(pending.expiresAt.getTime() - pending.createdAt.getTime()).toBeLessThanOrEqual(3600_000);
      const delivery = f.h.api.app.get<NodeDelivery>(NODE_DELIVERY);
      expect(await delivery.sweepExpired(new Date())).toBe(0);
      expect(await delivery.sweepExpired(new Date(Date.now() + 3600_000 + 1000))).toBe(1);
      expect(
        await f.h.api.dataSource.getRepository(PendingSecretDeliveryEntity).countBy({ workspaceId: other.workspaceId }),
      ).toBe(0);
      const list = await http()
        .get(`/api/workspaces/${other.workspaceId}/secrets`)
        .set('Cookie', other.cookie)
        .expect(200);
      expect(list.body).toEqual([
        expect.objectContaining({ kind: 'openai_api_key', status: 'expired', deliveredAt: null }),
      ]);
    });
  });

  describe('the worker', () => {
    it('delivers a secret that waited for its node once the node enrolled (BullMQ DeliverToNode job, real worker)', async () => {
      const late = await ownerWithWorkspace(f.h.api, 'late');
      const record = await createNodeRecord(f.h.api, late.workspaceId);
      const key = `sk-ant-late${alnum(30)}`;
      const agent = await http()
        .post(`/api/workspaces/${late.workspaceId}/agents`)
        .set('Cookie', late.cookie)
        .send({ name: 'Late', provider: 'anthropic', model: 'claude-haiku-4-5' })
        .expect(201);
      expect(
        (
          await http()
            .put(`/api/workspaces/${late.workspaceId}/secrets/anthropic_api_key`)
            .set('Cookie', late.cookie)
            .send({ value: key })
            .expect(200)
        ).body.delivery,
      ).toBe('pending');
      const lateNode = await startAgentNode(f.h, record);
      let worker: INestApplicationContext | undefined;
      try {
        expect(await lateNode.app.internals.heartbeat.beat()).toBe(true); // enrols: the waiting job can now succeed
        worker = await f.h.startWorker();
        await waitFor(
          () => lateNode.app.internals.secrets.resolve('anthropic_api_key', agent.body.agent.id) === key,
          15_000,
        );
        await waitFor(
          async () =>
            (await f.h.api.dataSource
              .getRepository(PendingSecretDeliveryEntity)
              .countBy({ workspaceId: late.workspaceId })) === 0,
        );
        // Secrets go first, then the config: wait for both.
        await waitFor(() => lateNode.app.internals.config.listAgents().length === 1);
        expect(lateNode.app.internals.config.listAgents().map((a) => a.id)).toEqual([agent.body.agent.id]);
        const records = await http()
          .get(`/api/workspaces/${late.workspaceId}/secrets`)
          .set('Cookie', late.cookie)
          .expect(200);
        expect(records.body).toEqual([expect.objectContaining({ kind: 'anthropic_api_key', status: 'delivered' })]);
      } finally {
        await worker?.close();
        await lateNode.stop();
      }
    });
  });
});
