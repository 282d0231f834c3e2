import { AuditService } from '@enclave/audit';
import { OwnerNotifier } from '@enclave/mailer';
import { JOB_IDS, JobName, QueueService } from '@enclave/queue';
import type { DataSource } from 'typeorm';
// The worker's delayed-job handlers, run directly against the API's database and Redis
// (time is moved by editing the due date, never by sleeping).
import { BillingDeprovisionDueHandler } from '../../../worker/src/billing/billing-deprovision-due.handler';
import { BillingGraceExpiredHandler } from '../../../worker/src/billing/billing-grace-expired.handler';
import {
  type BillingHarness,
  type Customer,
  mailTo,
  ownerWithWorkspace,
  PLANS,
  startBillingHarness,
  startCheckout,
} from '../../test/billing';
import { signInByEmail } from '../../test/sign-in';

describe('billing lifecycle (real Stripe SDK → sandbox stand-in → signed webhooks back)', () => {
  let harness: BillingHarness;
  let db: DataSource;
  let queues: QueueService;
  let graceHandler: BillingGraceExpiredHandler;
  let deprovisionHandler: BillingDeprovisionDueHandler;

  beforeAll(async () => {
    harness = await startBillingHarness({ BILLING_GRACE_DAYS: '7', BILLING_DEPROVISION_DELAY_HOURS: '72' });
    db = harness.api.dataSource;
    queues = harness.api.app.get(QueueService);
    const app = harness.api.app;
    graceHandler = new BillingGraceExpiredHandler(db, app.get(AuditService), app.get(OwnerNotifier));
    deprovisionHandler = new BillingDeprovisionDueHandler(db, app.get(AuditService), queues);
  });
  afterAll(async () => {
    await harness.close();
  });

  const status = async (workspaceId: string) =>
    ((await db.query(`SELECT status FROM workspaces WHERE id = $1`, [workspaceId])) as Array<{ status: string }>)[0]
      .status;
  const account = async (workspaceId: string) =>
    (
      (await db.query(
        `SELECT stripe_customer_id, grace_ends_at, deprovision_at FROM billing_accounts WHERE workspace_id = $1`,
        [workspaceId],
      )) as Array<{ stripe_customer_id: string; grace_ends_at: Date | null; deprovision_at: Date | null }>
    )[0];
  const subscriptionOf = async (workspaceId: string, wanted = 'active') =>
    (
      (await db.query(
        `SELECT stripe_subscription_id AS id FROM billing_subscriptions WHERE workspace_id = $1 AND status = $2`,
        [workspaceId, wanted],
      )) as Array<{ id: string }>
    )[0]?.id;
  const transitions = async (workspaceId: string) =>
    (
      (await db.query(
        `SELECT actor_type, details->>'from' AS "from", details->>'to' AS "to" FROM audit_events WHERE workspace_id = $1 AND action = 'workspace.status_changed' ORDER BY id`,
        [workspaceId],
      )) as Array<{ actor_type: string; from: string; to: string }>
    ).map((row) => `${row.from}→${row.to} (${row.actor_type})`);

  /** Pays on the stand-in's hosted checkout page, as a browser would; Stripe's own deliveries follow. */
  async function subscribe(customer: Customer, planId = 'monthly'): Promise<void> {
    const { url, sessionId } = await startCheckout(harness, customer, planId);
    expect(url).toBe(`${harness.stripeSandbox.url}/stripe/pay/${sessionId}`);
    const page = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        card_number: '4242 4242 4242 4242',
        card_expiry: '12/34',
        card_cvc: '123',
        name: 'Ada',
      }),
      redirect: 'manual',
    });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe(
      `${harness.api.url}/workspaces/${customer.workspaceId}/billing?checkout=success&session_id=${sessionId}`,
    );
    await harness.idle();
  }

  it('lists the configured plans publicly, without Stripe ids', async () => {
    const response = await harness.api.http().get('/api/plans').expect(200);
    expect(response.body).toEqual({
      plans: PLANS.map(({ id, name, amount, currency, interval }) => ({ id, name, amount, currency, interval })),
    });
  });

  it('checks out through Stripe, reuses one customer per workspace, and provisions from Stripe’s own signed deliveries', async () => {
    const customer = await ownerWithWorkspace(harness, 'happy');
    const first = await startCheckout(harness, customer);
    const second = await startCheckout(harness, customer, 'yearly');
    expect(second.sessionId).not.toBe(first.sessionId);
    const { stripe_customer_id: customerId } = await account(customer.workspaceId);
    for (const { sessionId } of [first, second]) {
      const session = await harness.stripe.checkout.sessions.retrieve(sessionId);
      expect(session).toMatchObject({
        mode: 'subscription',
        customer: customerId,
        client_reference_id: customer.workspaceId,
        metadata: { workspace_id: customer.workspaceId },
      });
      expect(session.success_url).toBe(
        `${harness.api.url}/workspaces/${customer.workspaceId}/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
      );
    }
    const customers = await harness.stripe.customers.list({ limit: 100 });
    expect(customers.data.filter((c) => c.metadata.workspace_id === customer.workspaceId).map((c) => c.id)).toEqual([
      customerId,
    ]);

    await subscribe(customer);
    expect(await status(customer.workspaceId)).toBe('provisioning');
    expect(
      await queues.queueOf(JobName.ProvisionWorkspace).getJob(JOB_IDS.provisionWorkspace(customer.workspaceId)),
    ).toBeDefined();
    const billing = await harness.api
      .http()
      .get(`/api/workspaces/${customer.workspaceId}/billing`)
      .set('Cookie', customer.cookie)
      .expect(200);
    expect(billing.body).toMatchObject({
      workspaceStatus: 'provisioning',
      hasCustomer: true,
      subscription: { status: 'active', planId: 'monthly', cancelAtPeriodEnd: false },
      graceEndsAt: null,
      deprovisionAt: null,
    });
    // Every delivery was answered 2xx, ignored types included.
    const deliveries = (await (await fetch(`${harness.stripeSandbox.url}/stripe/_test/deliveries`)).json()) as Array<{
      ok: boolean;
      status: number;
    }>;
    expect(deliveries.length).toBeGreaterThan(5);
    expect(deliveries.filter((d) => !d.ok)).toEqual([]);

    // A second checkout while subscribed is refused: changes go through the portal.
    const again = await harness.api
      .http()
      .post(`/api/workspaces/${customer.workspaceId}/checkout`)
      .set('Cookie', customer.cookie)
      .send({ planId: 'monthly' })
      .expect(409);
    expect(again.body.error.code).toBe('already_subscribed');
    const portal = await harness.api
      .http()
      .post(`/api/workspaces/${customer.workspaceId}/billing-portal`)
      .set('Cookie', customer.cookie)
      .expect(200);
    expect(portal.body.url).toMatch(new RegExp(`^${harness.stripeSandbox.url}/stripe/portal/bps_`));
  });

  it('refuses unknown plans and bad bodies with 400', async () => {
    const customer = await ownerWithWorkspace(harness, 'plan');
    const unknown = await harness.api
      .http()
      .post(`/api/workspaces/${customer.workspaceId}/checkout`)
      .set('Cookie', customer.cookie)
      .send({ planId: 'platinum' })
      .expect(400);
    expect(unknown.body.error.code).toBe('plan_unknown');
    await harness.api
      .http()
      .post(`/api/workspaces/${customer.workspaceId}/checkout`)
      .set('Cookie', customer.cookie)
      .send({ planId: 'monthly', price: 'price_free' })
      .expect(400);
    await harness.api
      .http()
      .post(`/api/workspaces/not-a-uuid/checkout`)
      .set('Cookie', customer.cookie)
      .send({ planId: 'monthly' })
      .expect(400);
    await harness.api
      .http()
      .post(`/api/workspaces/${customer.workspaceId}/checkout`)
      .send({ planId: 'monthly' })
      .expect(401);
    const noAccount = await harness.api
      .http()
      .post(`/api/workspaces/${customer.workspaceId}/billing-portal`)
      .set('Cookie', customer.cookie)
      .expect(409);
    expect(noAccount.body.error.code).toBe('no_billing_account');
  });

  it('answers 404 to a member of another workspace and 403 to a plain member', async () => {
    const owner = await ownerWithWorkspace(harness, 'acl');
    const stranger = await ownerWithWorkspace(harness, 'stranger');
    for (const path of ['checkout', 'billing-portal']) {
      const response = await harness.api
        .http()
        .post(`/api/workspaces/${owner.workspaceId}/${path}`)
        .set('Cookie', stranger.cookie)
        .send(path === 'checkout' ? { planId: 'monthly' } : {});
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('workspace_not_found');
    }
    const memberEmail = `member-${Date.now().toString(36)}@example.com`;
    await harness.api
      .http()
      .post(`/api/workspaces/${owner.workspaceId}/members`)
      .set('Cookie', owner.cookie)
      .send({ email: memberEmail, role: 'member' })
      .expect(201);
    const memberCookie = await signInByEmail(harness.api, memberEmail);
    for (const path of ['checkout', 'billing-portal']) {
      const response = await harness.api
        .http()
        .post(`/api/workspaces/${owner.workspaceId}/${path}`)
        .set('Cookie', memberCookie)
        .send(path === 'checkout' ? { planId: 'monthly' } : {});
      expect(response.status).toBe(403);
      expect(response.body.error.code).toBe('role_required');
    }
    await harness.api
      .http()
      .get(`/api/workspaces/${owner.workspaceId}/billing`)
      .set('Cookie', memberCookie)
      .expect(200);
    expect(await account(owner.workspaceId)).toBeUndefined(); // nothing was created at Stripe for them
  });

  it('past due → grace → suspended → recovered', async () => {
    const customer = await ownerWithWorkspace(harness, 'dunning');
    await subscribe(customer);
    // The provisioning engine would take it to active; stand in for it here.
    await db.query(`UPDATE workspaces SET status = 'active' WHERE id = $1`, [customer.workspaceId]);
    const subscriptionId = await subscriptionOf(customer.workspaceId);

    const renewal = (await harness.test(`/subscriptions/${subscriptionId}/fail_next_invoice`)) as {
      invoice: { id: string };
    };
    await harness.idle();
    expect(await status(customer.workspaceId)).toBe('past_due');
    const { grace_ends_at: graceEndsAt } = await account(customer.workspaceId);
    expect(graceEndsAt!.getTime()).toBeGreaterThan(Date.now() + 7 * 86_400_000 - 60_000);
    const graceJob = await queues
      .queueOf(JobName.BillingGraceExpired)
      .getJob(JOB_IDS.billingGraceExpired(customer.workspaceId, renewal.invoice.id));
    expect(await graceJob?.getState()).toBe('delayed');
    expect(graceJob?.opts.delay).toBeGreaterThan(7 * 86_400_000 - 60_000);
    const failedMail = (await mailTo(harness, customer.email)).find((m) => m.subject.startsWith('Payment failed'));
    expect(failedMail?.text).toContain(graceEndsAt!.toISOString().slice(0, 16).replace('T', ' '));

    // A second failed attempt on the same invoice changes nothing more.
    await harness.test(`/invoices/${renewal.invoice.id}/fail`);
    await harness.idle();
    expect(await transitions(customer.workspaceId)).toEqual([
      'pending_payment→provisioning (webhook)',
      'active→past_due (webhook)',
    ]);

    // The job fires early (or twice): it re-checks and does nothing before the grace is over.
    const payload = { workspaceId: customer.workspaceId, subscriptionId, invoiceId: renewal.invoice.id };
    expect(await graceHandler.handle(payload)).toEqual({ outcome: 'skipped', reason: 'grace period not over' });
    await db.query(`UPDATE billing_accounts SET grace_ends_at = now() - interval '1 second' WHERE workspace_id = $1`, [
      customer.workspaceId,
    ]);
    expect(await graceHandler.handle(payload)).toEqual({ outcome: 'suspended' });
    expect(await graceHandler.handle(payload)).toEqual({ outcome: 'skipped', reason: 'workspace is suspended' });
    expect(await status(customer.workspaceId)).toBe('suspended');
    expect((await mailTo(harness, customer.email)).some((m) => m.subject.includes('is suspended'))).toBe(true);

    // The customer pays the open invoice: Stripe reports it, the workspace is active again.
    await harness.test(`/invoices/${renewal.invoice.id}/pay`);
    await harness.idle();
    expect(await status(customer.workspaceId)).toBe('active');
    expect((await account(customer.workspaceId)).grace_ends_at).toBeNull();
    expect(await transitions(customer.workspaceId)).toEqual([
      'pending_payment→provisioning (webhook)',
      'active→past_due (webhook)',
      'past_due→suspended (system)',
      'suspended→active (webhook)',
    ]);
  });

  it('recovering during the grace period cancels the suspension', async () => {
    const customer = await ownerWithWorkspace(harness, 'recover');
    await subscribe(customer);
    await db.query(`UPDATE workspaces SET status = 'active' WHERE id = $1`, [customer.workspaceId]);
    const subscriptionId = await subscriptionOf(customer.workspaceId);
    const renewal = (await harness.test(`/subscriptions/${subscriptionId}/fail_next_invoice`)) as {
      invoice: { id: string };
    };
    await harness.idle();
    expect(await status(customer.workspaceId)).toBe('past_due');
    await harness.test(`/invoices/${renewal.invoice.id}/pay`);
    await harness.idle();
    expect(await status(customer.workspaceId)).toBe('active');
    expect(
      await graceHandler.handle({ workspaceId: customer.workspaceId, subscriptionId, invoiceId: renewal.invoice.id }),
    ).toEqual({ outcome: 'skipped', reason: 'workspace is active' });
  });

  it('canceled → deprovisioning scheduled → cancelled by resubscribing', async () => {
    const customer = await ownerWithWorkspace(harness, 'comeback');
    await subscribe(customer);
    await db.query(`UPDATE workspaces SET status = 'active' WHERE id = $1`, [customer.workspaceId]);
    const firstSubscription = await subscriptionOf(customer.workspaceId);

    await harness.test(`/subscriptions/${firstSubscription}/cancel`);
    await harness.idle();
    expect(await status(customer.workspaceId)).toBe('canceled');
    const { deprovision_at: deprovisionAt } = await account(customer.workspaceId);
    expect(deprovisionAt!.getTime()).toBeGreaterThan(Date.now() + 72 * 3_600_000 - 60_000);
    const dueJobId = JOB_IDS.billingDeprovisionDue(customer.workspaceId, firstSubscription);
    expect(await (await queues.queueOf(JobName.BillingDeprovisionDue).getJob(dueJobId))?.getState()).toBe('delayed');
    const canceledMail = (await mailTo(harness, customer.email)).find((m) =>
      m.subject.startsWith('Subscription canceled'),
    );
    expect(canceledMail?.text).toContain(deprovisionAt!.toISOString().slice(0, 16).replace('T', ' '));

    // Resubscribing before the delay is over: a new subscription, the delayed job is removed.
    await subscribe(customer);
    expect(await status(customer.workspaceId)).toBe('provisioning');
    expect((await account(customer.workspaceId)).deprovision_at).toBeNull();
    expect(await queues.queueOf(JobName.BillingDeprovisionDue).getJob(dueJobId)).toBeUndefined();
    expect(await subscriptionOf(customer.workspaceId)).not.toBe(firstSubscription);
    // Even if the job had already been picked up, it re-checks and does nothing.
    expect(
      await deprovisionHandler.handle({ workspaceId: customer.workspaceId, subscriptionId: firstSubscription }),
    ).toEqual({ outcome: 'skipped', reason: 'workspace is provisioning' });
    expect(
      await queues.queueOf(JobName.DeprovisionWorkspace).getJob(JOB_IDS.deprovisionWorkspace(customer.workspaceId)),
    ).toBeUndefined();
    expect(await transitions(customer.workspaceId)).toEqual([
      'pending_payment→provisioning (webhook)',
      'active→canceled (webhook)',
      'canceled→provisioning (webhook)',
    ]);
  });

  it('canceled and not resubscribed: once the delay is over, deprovisioning is requested exactly once', async () => {
    const customer = await ownerWithWorkspace(harness, 'leaver');
    await subscribe(customer);
    await db.query(`UPDATE workspaces SET status = 'active' WHERE id = $1`, [customer.workspaceId]);
    const subscriptionId = await subscriptionOf(customer.workspaceId);
    await harness.test(`/subscriptions/${subscriptionId}/cancel`);
    await harness.idle();
    expect(await status(customer.workspaceId)).toBe('canceled');

    const payload = { workspaceId: customer.workspaceId, subscriptionId };
    expect(await deprovisionHandler.handle(payload)).toEqual({
      outcome: 'skipped',
      reason: 'deprovisioning delay not over',
    });
    await db.query(`UPDATE billing_accounts SET deprovision_at = now() - interval '1 second' WHERE workspace_id = $1`, [
      customer.workspaceId,
    ]);
    expect(await deprovisionHandler.handle(payload)).toEqual({
      outcome: 'deprovision_requested',
      jobId: JOB_IDS.deprovisionWorkspace(customer.workspaceId),
    });
    expect(await deprovisionHandler.handle(payload)).toEqual({
      outcome: 'skipped',
      reason: 'workspace is deprovisioning',
    });
    const deprovision = await queues.queueOf(JobName.DeprovisionWorkspace).getJobs(['waiting', 'delayed', 'active']);
    expect(
      deprovision.filter(
        (job) =>
          job.name === JobName.DeprovisionWorkspace &&
          (job.data as { workspaceId: string }).workspaceId === customer.workspaceId,
      ),
    ).toHaveLength(1);
    expect(await status(customer.workspaceId)).toBe('deprovisioning');
    const refused = await harness.api
      .http()
      .post(`/api/workspaces/${customer.workspaceId}/checkout`)
      .set('Cookie', customer.cookie)
      .send({ planId: 'monthly' })
      .expect(409);
    expect(refused.body.error.code).toBe('workspace_deprovisioning');
  });

  it('deleting a paid workspace cancels its subscription at Stripe and deprovisions it at once', async () => {
    const customer = await ownerWithWorkspace(harness, 'deleted');
    await subscribe(customer);
    await db.query(`UPDATE workspaces SET status = 'active' WHERE id = $1`, [customer.workspaceId]);
    const subscriptionId = await subscriptionOf(customer.workspaceId);

    await harness.api
      .http()
      .delete(`/api/workspaces/${customer.workspaceId}`)
      .set('Cookie', customer.cookie)
      .expect(204);
    await harness.idle();

    expect(await status(customer.workspaceId)).toBe('deprovisioning');
    expect(await subscriptionOf(customer.workspaceId, 'canceled')).toBe(subscriptionId);
    const jobs = await queues.queueOf(JobName.DeprovisionWorkspace).getJobs(['waiting', 'delayed', 'active']);
    expect(jobs.filter((job) => job.id === JOB_IDS.deprovisionWorkspace(customer.workspaceId))).toHaveLength(1);
    const actions = (
      (await db.query(`SELECT action FROM audit_events WHERE workspace_id = $1 ORDER BY id`, [
        customer.workspaceId,
      ])) as Array<{ action: string }>
    ).map((row) => row.action);
    expect(actions).toEqual(expect.arrayContaining(['billing.subscriptions_cancelled', 'workspace.deleted']));
    // The late cancellation webhook must not bring a deleted workspace back to `canceled`.
    expect(await status(customer.workspaceId)).toBe('deprovisioning');
    await harness.api.http().get(`/api/workspaces/${customer.workspaceId}`).set('Cookie', customer.cookie).expect(404);
  });

  it('never stores card data or the Stripe secret', async () => {
    const dump = JSON.stringify([
      await db.query(`SELECT * FROM billing_accounts`),
      await db.query(`SELECT * FROM billing_subscriptions`),
      await db.query(`SELECT * FROM stripe_events`),
      await db.query(`SELECT details FROM audit_events`),
    ]);
    expect(dump).not.toContain('4242');
    expect(dump).not.toContain(String(harness.api.env.STRIPE_SECRET_KEY));
    expect(dump).not.toContain(String(harness.api.env.STRIPE_WEBHOOK_SECRET));
  });
});
