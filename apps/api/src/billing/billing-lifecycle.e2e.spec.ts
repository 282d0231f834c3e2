import { AuditService } from '@enclave/audit';
import { OwnerNotifier } from '@enclave/mailer';
import { JOB_IDS, JobName, QueueService } from '@enclave/queue';
import type { DataSource } from 'typeorm';
// The worker's delayed-job handlers, run directly against the API's database and Redis
// (time is moved by editing the due date, never by sleeping).
import { BillingDeprovisionDueHandler } from '../../../worker/src/billing/billing-deprovision-due.handler';
import { BillingGraceExpiredHandler } from '../../../worker/src/billing/billing-grace-expired.handler';
import {
  billingAccount,
  type BillingHarness,
  expectNoCardDataOrStripeSecret,
  mailTo,
  ownerWithWorkspace,
  startBillingHarness,
  statusTransitions,
  subscribe,
  subscriptionOf,
  workspaceStatus,
} from '../../test/billing';

/** Past due, grace, suspension, cancellation and deletion, as Stripe reports them (signed webhooks). */
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

  it('past due → grace → suspended → recovered', async () => {
    const customer = await ownerWithWorkspace(harness, 'dunning');
    await subscribe(harness, customer);
    // The provisioning engine would take it to active; stand in for it here.
    await db.query(`UPDATE workspaces SET status = 'active' WHERE id = $1`, [customer.workspaceId]);
    const subscriptionId = await subscriptionOf(harness, customer.workspaceId);

    const renewal = (await harness.test(`/subscriptions/${subscriptionId}/fail_next_invoice`)) as {
      invoice: { id: string };
    };
    await harness.idle();
    expect(await workspaceStatus(harness, customer.workspaceId)).toBe('past_due');
    const { grace_ends_at: graceEndsAt } = await billingAccount(harness, customer.workspaceId);
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
    expect(await statusTransitions(harness, customer.workspaceId)).toEqual([
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
    expect(await workspaceStatus(harness, customer.workspaceId)).toBe('suspended');
    expect((await mailTo(harness, customer.email)).some((m) => m.subject.includes('is suspended'))).toBe(true);

    // The customer pays the open invoice: Stripe reports it, the workspace is active again.
    await harness.test(`/invoices/${renewal.invoice.id}/pay`);
    await harness.idle();
    expect(await workspaceStatus(harness, customer.workspaceId)).toBe('active');
    expect((await billingAccount(harness, customer.workspaceId)).grace_ends_at).toBeNull();
    expect(await statusTransitions(harness, customer.workspaceId)).toEqual([
      'pending_payment→provisioning (webhook)',
      'active→past_due (webhook)',
      'past_due→suspended (system)',
      'suspended→active (webhook)',
    ]);
  });

  it('recovering during the grace period cancels the suspension', async () => {
    const customer = await ownerWithWorkspace(harness, 'recover');
    await subscribe(harness, customer);
    await db.query(`UPDATE workspaces SET status = 'active' WHERE id = $1`, [customer.workspaceId]);
    const subscriptionId = await subscriptionOf(harness, customer.workspaceId);
    const renewal = (await harness.test(`/subscriptions/${subscriptionId}/fail_next_invoice`)) as {
      invoice: { id: string };
    };
    await harness.idle();
    expect(await workspaceStatus(harness, customer.workspaceId)).toBe('past_due');
    await harness.test(`/invoices/${renewal.invoice.id}/pay`);
    await harness.idle();
    expect(await workspaceStatus(harness, customer.workspaceId)).toBe('active');
    expect(
      await graceHandler.handle({ workspaceId: customer.workspaceId, subscriptionId, invoiceId: renewal.invoice.id }),
    ).toEqual({ outcome: 'skipped', reason: 'workspace is active' });
  });

  it('canceled → deprovisioning scheduled → cancelled by resubscribing', async () => {
    const customer = await ownerWithWorkspace(harness, 'comeback');
    await subscribe(harness, customer);
    await db.query(`UPDATE workspaces SET status = 'active' WHERE id = $1`, [customer.workspaceId]);
    const firstSubscription = await subscriptionOf(harness, customer.workspaceId);

    await harness.test(`/subscriptions/${firstSubscription}/cancel`);
    await harness.idle();
    expect(await workspaceStatus(harness, customer.workspaceId)).toBe('canceled');
    const { deprovision_at: deprovisionAt } = await billingAccount(harness, customer.workspaceId);
    expect(deprovisionAt!.getTime()).toBeGreaterThan(Date.now() + 72 * 3_600_000 - 60_000);
    const dueJobId = JOB_IDS.billingDeprovisionDue(customer.workspaceId, firstSubscription);
    expect(await (await queues.queueOf(JobName.BillingDeprovisionDue).getJob(dueJobId))?.getState()).toBe('delayed');
    const canceledMail = (await mailTo(harness, customer.email)).find((m) =>
      m.subject.startsWith('Subscription canceled'),
    );
    expect(canceledMail?.text).toContain(deprovisionAt!.toISOString().slice(0, 16).replace('T', ' '));

    // Resubscribing before the delay is over: a new subscription, the delayed job is removed.
    await subscribe(harness, customer);
    expect(await workspaceStatus(harness, customer.workspaceId)).toBe('provisioning');
    expect((await billingAccount(harness, customer.workspaceId)).deprovision_at).toBeNull();
    expect(await queues.queueOf(JobName.BillingDeprovisionDue).getJob(dueJobId)).toBeUndefined();
    expect(await subscriptionOf(harness, customer.workspaceId)).not.toBe(firstSubscription);
    // Even if the job had already been picked up, it re-checks and does nothing.
    expect(
      await deprovisionHandler.handle({ workspaceId: customer.workspaceId, subscriptionId: firstSubscription }),
    ).toEqual({ outcome: 'skipped', reason: 'workspace is provisioning' });
    expect(
      await queues.queueOf(JobName.DeprovisionWorkspace).getJob(JOB_IDS.deprovisionWorkspace(customer.workspaceId)),
    ).toBeUndefined();
    expect(await statusTransitions(harness, customer.workspaceId)).toEqual([
      'pending_payment→provisioning (webhook)',
      'active→canceled (webhook)',
      'canceled→provisioning (webhook)',
    ]);
  });

  it('canceled and not resubscribed: once the delay is over, deprovisioning is requested exactly once', async () => {
    const customer = await ownerWithWorkspace(harness, 'leaver');
    await subscribe(harness, customer);
    await db.query(`UPDATE workspaces SET status = 'active' WHERE id = $1`, [customer.workspaceId]);
    const subscriptionId = await subscriptionOf(harness, customer.workspaceId);
    await harness.test(`/subscriptions/${subscriptionId}/cancel`);
    await harness.idle();
    expect(await workspaceStatus(harness, customer.workspaceId)).toBe('canceled');

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
    expect(await workspaceStatus(harness, customer.workspaceId)).toBe('deprovisioning');
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
    await subscribe(harness, customer);
    await db.query(`UPDATE workspaces SET status = 'active' WHERE id = $1`, [customer.workspaceId]);
    const subscriptionId = await subscriptionOf(harness, customer.workspaceId);

    await harness.api
      .http()
      .delete(`/api/workspaces/${customer.workspaceId}`)
      .set('Cookie', customer.cookie)
      .expect(204);
    await harness.idle();

    expect(await workspaceStatus(harness, customer.workspaceId)).toBe('deprovisioning');
    expect(await subscriptionOf(harness, customer.workspaceId, 'canceled')).toBe(subscriptionId);
    const jobs = await queues.queueOf(JobName.DeprovisionWorkspace).getJobs(['waiting', 'delayed', 'active']);
    expect(jobs.filter((job) => job.id === JOB_IDS.deprovisionWorkspace(customer.workspaceId))).toHaveLength(1);
    const actions = (
      (await db.query(`SELECT action FROM audit_events WHERE workspace_id = $1 ORDER BY id`, [
        customer.workspaceId,
      ])) as Array<{ action: string }>
    ).map((row) => row.action);
    expect(actions).toEqual(expect.arrayContaining(['billing.subscriptions_cancelled', 'workspace.deleted']));
    // The late cancellation webhook must not bring a deleted workspace back to `canceled`.
    expect(await workspaceStatus(harness, customer.workspaceId)).toBe('deprovisioning');
    await harness.api.http().get(`/api/workspaces/${customer.workspaceId}`).set('Cookie', customer.cookie).expect(404);
  });

  it('never stores card data or the Stripe secret', async () => {
    await expectNoCardDataOrStripeSecret(harness);
  });
});
