import { JOB_IDS, JobName, QueueService } from '@enclave/queue';
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import {
  type BillingHarness,
  type Customer,
  eventAbout,
  ownerWithWorkspace,
  paySession,
  startBillingHarness,
  startCheckout,
  workspaceStatus,
} from '../../test/billing';

/** Everything a bad webhook must leave untouched. */
async function snapshot(harness: BillingHarness): Promise<string> {
  const rows = (await harness.api.dataSource.query(`
    SELECT (SELECT count(*) FROM stripe_events) AS events, (SELECT count(*) FROM audit_events) AS audit,
           (SELECT count(*) FROM billing_subscriptions) AS subscriptions, (SELECT string_agg(status, ',' ORDER BY id) FROM workspaces) AS statuses`)) as unknown[];
  return JSON.stringify(rows);
}

async function provisioningJobs(harness: BillingHarness, workspaceId: string): Promise<number> {
  const queue = harness.api.app.get(QueueService).queueOf(JobName.ProvisionWorkspace);
  const jobs = await queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized']);
  return jobs.filter(
    (job) =>
      job.name === JobName.ProvisionWorkspace && (job.data as { workspaceId: string }).workspaceId === workspaceId,
  ).length;
}

async function auditCount(harness: BillingHarness, workspaceId: string, action: string): Promise<number> {
  const [row] = (await harness.api.dataSource.query(
    `SELECT count(*)::int AS n FROM audit_events WHERE workspace_id = $1 AND action = $2`,
    [workspaceId, action],
  )) as Array<{ n: number }>;
  return row.n;
}

describe('Stripe webhook', () => {
  let harness: BillingHarness;

  beforeAll(async () => {
    harness = await startBillingHarness();
    await harness.setDelivery(false); // these tests deliver events themselves, in the order they choose
  });
  afterAll(async () => {
    await harness.close();
  });

  /** A workspace whose checkout is paid at Stripe, none of whose events reached the API yet. */
  async function paidButUndelivered(tag: string): Promise<Customer & { subscriptionId: string; sessionId: string }> {
    const customer = await ownerWithWorkspace(harness, tag);
    const { sessionId } = await startCheckout(harness, customer);
    const session = await paySession(harness, sessionId);
    return { ...customer, sessionId, subscriptionId: String(session.subscription) };
  }

  describe('refuses what Stripe did not sign, changing nothing', () => {
    const event = () =>
      JSON.stringify({
        id: `evt_${randomBytes(8).toString('hex')}`,
        object: 'event',
        type: 'invoice.paid',
        created: Math.floor(Date.now() / 1000),
        data: { object: { id: 'in_x', object: 'invoice' } },
      });

    it.each([
      [
        'no signature',
        async () =>
          harness.api.http().post('/api/stripe/webhook').set('Content-Type', 'application/json').send(event()),
      ],
      [
        'a signature made with another secret',
        async () => harness.deliver(event(), { secret: 'whsec_not_the_right_one' }),
      ],
      [
        'a timestamp outside the 5-minute tolerance',
        async () => harness.deliver(event(), { timestamp: Math.floor(Date.now() / 1000) - 600 }),
      ],
      [
        'a garbage header',
        async () =>
          harness.api
            .http()
            .post('/api/stripe/webhook')
            .set('Content-Type', 'application/json')
            .set('Stripe-Signature', 't=abc,v1=zzz')
            .send(event()),
      ],
    ])('%s → 400', async (_name, send) => {
      const before = await snapshot(harness);
      const response = await send();
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ error: expect.objectContaining({ code: 'webhook_signature_invalid' }) });
      expect(await snapshot(harness)).toBe(before);
    });

    it('a body changed after signing → 400', async () => {
      const before = await snapshot(harness);
      const payload = event();
      const header = Stripe.webhooks.generateTestHeaderString({
        payload,
        secret: harness.api.env.STRIPE_WEBHOOK_SECRET as string,
      });
      const tampered = payload.replace('invoice.paid', 'invoice.payment_failed');
      const response = await harness.api
        .http()
        .post('/api/stripe/webhook')
        .set('Content-Type', 'application/json')
        .set('Stripe-Signature', header)
        .send(tampered);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('webhook_signature_invalid');
      expect(await snapshot(harness)).toBe(before);
    });

    it('a body that is not JSON, or not an event → 400', async () => {
      const before = await snapshot(harness);
      const notJson = await harness.deliver('this is not json');
      expect(notJson.status).toBe(400);
      expect(notJson.body).toEqual({ error: expect.objectContaining({ code: expect.any(String) }) });
      const notAnEvent = await harness.deliver(JSON.stringify({ hello: 'world' }));
      expect(notAnEvent.status).toBe(400);
      expect(notAnEvent.body.error).toMatchObject({ code: 'webhook_body_invalid' });
      const plainText = await harness.api
        .http()
        .post('/api/stripe/webhook')
        .set('Content-Type', 'text/plain')
        .set('Stripe-Signature', 't=1,v1=00')
        .send('hello');
      expect(plainText.status).toBe(400);
      expect(await snapshot(harness)).toBe(before);
    });
  });

  it('acknowledges an event type it does not handle, records it as ignored, and changes nothing else', async () => {
    const id = `evt_${randomBytes(8).toString('hex')}`;
    const payload = JSON.stringify({
      id,
      object: 'event',
      type: 'customer.tax_id.created',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'txi_1', object: 'tax_id' } },
    });
    const auditBefore = (await harness.api.dataSource.query(`SELECT count(*)::int AS n FROM audit_events`)) as Array<{
      n: number;
    }>;
    const first = await harness.deliver(payload);
    expect(first).toEqual({ status: 200, body: { received: true, eventId: id, outcome: 'ignored' } });
    expect((await harness.deliver(payload)).body.outcome).toBe('duplicate');
    const rows = (await harness.api.dataSource.query(`SELECT outcome, note FROM stripe_events WHERE id = $1`, [
      id,
    ])) as unknown[];
    expect(rows).toEqual([{ outcome: 'ignored', note: 'event type not handled' }]);
    expect(await harness.api.dataSource.query(`SELECT count(*)::int AS n FROM audit_events`)).toEqual(auditBefore);
  });

  it('ignores a correctly signed event about a customer that is not ours', async () => {
    const id = `evt_${randomBytes(8).toString('hex')}`;
    const payload = JSON.stringify({
      id,
      object: 'event',
      type: 'customer.subscription.updated',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'sub_stranger', object: 'subscription', customer: 'cus_stranger', metadata: {} } },
    });
    expect(await harness.deliver(payload)).toEqual({
      status: 200,
      body: { received: true, eventId: id, outcome: 'ignored' },
    });
  });

  it('applies checkout.session.completed once when delivered three times, twice concurrently', async () => {
    const customer = await paidButUndelivered('dup');
    const completed = await eventAbout(
      harness,
      'checkout.session.completed',
      (session) => session.id === customer.sessionId,
    );
    const payload = JSON.stringify(completed);

    const concurrent = await Promise.all([harness.deliver(payload), harness.deliver(payload)]);
    const third = await harness.deliver(payload);
    const outcomes = [...concurrent, third].map((response) => {
      expect(response.status).toBe(200);
      return response.body.outcome;
    });
    expect(outcomes.sort()).toEqual(['duplicate', 'duplicate', 'processed']);

    expect(await provisioningJobs(harness, customer.workspaceId)).toBe(1);
    const job = await harness.api.app
      .get(QueueService)
      .queueOf(JobName.ProvisionWorkspace)
      .getJob(JOB_IDS.provisionWorkspace(customer.workspaceId));
    expect(job?.data).toEqual({ workspaceId: customer.workspaceId });
    const subscriptions = (await harness.api.dataSource.query(
      `SELECT stripe_subscription_id, status, plan_id, current_period_end IS NOT NULL AS has_period FROM billing_subscriptions WHERE workspace_id = $1`,
      [customer.workspaceId],
    )) as unknown[];
    expect(subscriptions).toEqual([
      { stripe_subscription_id: customer.subscriptionId, status: 'active', plan_id: 'monthly', has_period: true },
    ]);
    expect(await workspaceStatus(harness, customer.workspaceId)).toBe('provisioning');
    expect(await auditCount(harness, customer.workspaceId, 'billing.subscription_status_changed')).toBe(1);
    expect(await auditCount(harness, customer.workspaceId, 'workspace.status_changed')).toBe(1);
    const [audit] = (await harness.api.dataSource.query(
      `SELECT actor_type, actor_id, details FROM audit_events WHERE workspace_id = $1 AND action = 'workspace.status_changed'`,
      [customer.workspaceId],
    )) as Array<{ actor_type: string; actor_id: string; details: Record<string, unknown> }>;
    expect(audit).toMatchObject({
      actor_type: 'webhook',
      actor_id: 'stripe',
      details: {
        from: 'pending_payment',
        to: 'provisioning',
        eventId: completed.id,
        provisionJobId: JOB_IDS.provisionWorkspace(customer.workspaceId),
      },
    });
  });

  it('ends right when customer.subscription.updated arrives before checkout.session.completed, and a stale created event last', async () => {
    const customer = await paidButUndelivered('early');
    const updated = await eventAbout(
      harness,
      'customer.subscription.updated',
      (sub) => sub.id === customer.subscriptionId,
    );
    const created = await eventAbout(
      harness,
      'customer.subscription.created',
      (sub) => sub.id === customer.subscriptionId,
    );
    expect(created.data.object.status).toBe('incomplete'); // stale by the time it arrives
    const completed = await eventAbout(
      harness,
      'checkout.session.completed',
      (session) => session.id === customer.sessionId,
    );

    for (const event of [updated, completed, created])
      expect((await harness.deliver(JSON.stringify(event))).body.outcome).toBe('processed');

    expect(await workspaceStatus(harness, customer.workspaceId)).toBe('provisioning');
    expect(await provisioningJobs(harness, customer.workspaceId)).toBe(1);
    const [row] = (await harness.api.dataSource.query(
      `SELECT status, last_event_created FROM billing_subscriptions WHERE stripe_subscription_id = $1`,
      [customer.subscriptionId],
    )) as Array<{ status: string; last_event_created: Date }>;
    expect(row.status).toBe('active');
    expect(row.last_event_created.getTime()).toBe(
      Math.max(...[updated, completed, created].map((e) => Number(e.created))) * 1000,
    );
    expect(await auditCount(harness, customer.workspaceId, 'workspace.status_changed')).toBe(1);
  });

  it('stays canceled when an old invoice.paid arrives after customer.subscription.deleted', async () => {
    const customer = await paidButUndelivered('late');
    const paid = await eventAbout(
      harness,
      'invoice.paid',
      (invoice) =>
        (invoice.parent as { subscription_details: { subscription: string } }).subscription_details.subscription ===
        customer.subscriptionId,
    );
    const completed = await eventAbout(
      harness,
      'checkout.session.completed',
      (session) => session.id === customer.sessionId,
    );
    expect((await harness.deliver(JSON.stringify(completed))).body.outcome).toBe('processed');

    await harness.test(`/subscriptions/${customer.subscriptionId}/cancel`);
    const deleted = await eventAbout(
      harness,
      'customer.subscription.deleted',
      (sub) => sub.id === customer.subscriptionId,
    );
    expect((await harness.deliver(JSON.stringify(deleted))).body.outcome).toBe('processed');
    expect(await workspaceStatus(harness, customer.workspaceId)).toBe('canceled');

    expect((await harness.deliver(JSON.stringify(paid))).body.outcome).toBe('processed');
    expect(await workspaceStatus(harness, customer.workspaceId)).toBe('canceled');
    const [account] = (await harness.api.dataSource.query(
      `SELECT deprovision_at FROM billing_accounts WHERE workspace_id = $1`,
      [customer.workspaceId],
    )) as Array<{ deprovision_at: Date | null }>;
    expect(account.deprovision_at).toBeInstanceOf(Date);
    const [sub] = (await harness.api.dataSource.query(
      `SELECT status FROM billing_subscriptions WHERE stripe_subscription_id = $1`,
      [customer.subscriptionId],
    )) as Array<{ status: string }>;
    expect(sub.status).toBe('canceled');
  });
});
