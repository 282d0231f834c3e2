import { JOB_IDS } from '@enclave/queue';
import {
  type BillingHarness,
  type Customer,
  mailTo,
  ownerWithWorkspace,
  startBillingHarness,
  startCheckout,
  statusTransitions,
  type StripeEventJson,
  workspaceStatus,
} from '../../test/billing';
import { eventually } from '../../test/eventually';

/** Stripe's SEPA Direct Debit test IBANs (https://docs.stripe.com/testing#sepa-direct-debit). */
const IBAN_SUCCEEDS = 'DE89370400440532013000';
const IBAN_FAILS = 'DE62370400440532013001';

/**
 * Checkout paid with a delayed method (SEPA Direct Debit): `checkout.session.completed` comes
 * with `payment_status: "unpaid"`, `checkout.session.async_payment_succeeded` or `_failed` days
 * later. Real API, real SDK, the Stripe stand-in delivering its own signed webhooks.
 */
describe('billing: delayed payment methods (checkout.session.async_payment_*)', () => {
  let harness: BillingHarness;

  beforeAll(async () => {
    harness = await startBillingHarness();
  });
  afterAll(async () => {
    await harness.close();
  });

  /** Provisioning requests billing made for the workspace (the job id each status change enqueued). */
  async function provisioningRequests(workspaceId: string): Promise<string[]> {
    const rows = (await harness.api.dataSource.query(
      `SELECT details->>'provisionJobId' AS job FROM audit_events WHERE workspace_id = $1 AND action = 'workspace.status_changed' AND details ? 'provisionJobId' ORDER BY id`,
      [workspaceId],
    )) as Array<{ job: string }>;
    return rows.map((row) => row.job);
  }

  async function auditRows(workspaceId: string, action: string): Promise<Array<Record<string, unknown>>> {
    return (await harness.api.dataSource.query(
      `SELECT actor_type, outcome, details FROM audit_events WHERE workspace_id = $1 AND action = $2 ORDER BY id`,
      [workspaceId, action],
    )) as Array<Record<string, unknown>>;
  }

  /** The stand-in's event of `type` about this Checkout Session. */
  async function sessionEvent(type: string, sessionId: string): Promise<StripeEventJson> {
    const found = (await harness.events(type)).filter((e) => e.data.object.id === sessionId);
    expect(found).toHaveLength(1);
    return found[0];
  }

  /** Checkout completed with a SEPA debit still processing: the session is complete but unpaid. */
  async function completeWithSepaDebit(tag: string, iban: string): Promise<Customer & { sessionId: string }> {
    const customer = await ownerWithWorkspace(harness, tag);
    const { sessionId } = await startCheckout(harness, customer);
    await harness.test(`/checkout/sessions/${sessionId}/complete`, { payment_method: 'sepa_debit', iban });
    await harness.idle();
    const completed = await sessionEvent('checkout.session.completed', sessionId);
    expect(completed.data.object).toMatchObject({ status: 'complete', payment_status: 'unpaid' });
    // Delivered and processed, and nothing fulfilled: the first invoice is still open.
    const [row] = (await harness.api.dataSource.query(`SELECT outcome FROM stripe_events WHERE id = $1`, [
      completed.id,
    ])) as Array<{ outcome: string }>;
    expect(row?.outcome).toBe('processed');
    expect(await workspaceStatus(harness, customer.workspaceId)).toBe('pending_payment');
    expect(await statusTransitions(harness, customer.workspaceId)).toEqual([]);
    expect(await provisioningRequests(customer.workspaceId)).toEqual([]);
    return { ...customer, sessionId };
  }

  it('completed unpaid → not provisioned; async_payment_succeeded → provisioned once, a replay changes nothing', async () => {
    const customer = await completeWithSepaDebit('sepa-ok', IBAN_SUCCEEDS);

    await harness.test(`/checkout/sessions/${customer.sessionId}/settle`);
    await harness.idle();
    const succeeded = await sessionEvent('checkout.session.async_payment_succeeded', customer.sessionId);
    expect(succeeded.data.object).toMatchObject({ object: 'checkout.session', payment_status: 'paid' });
    expect(await workspaceStatus(harness, customer.workspaceId)).toBe('provisioning');
    expect(await statusTransitions(harness, customer.workspaceId)).toEqual(['pending_payment→provisioning (webhook)']);
    expect(await provisioningRequests(customer.workspaceId)).toEqual([
      JOB_IDS.provisionWorkspace(customer.workspaceId),
    ]);

    // The same event again (Stripe redelivers, or a replay): seen before, nothing more.
    const replay = await harness.deliver(JSON.stringify(succeeded));
    expect(replay).toEqual({ status: 200, body: { received: true, eventId: succeeded.id, outcome: 'duplicate' } });
    await harness.test(`/events/${succeeded.id}/resend`);
    await harness.idle();
    expect(await statusTransitions(harness, customer.workspaceId)).toEqual(['pending_payment→provisioning (webhook)']);
    expect(await provisioningRequests(customer.workspaceId)).toHaveLength(1);
    expect(await auditRows(customer.workspaceId, 'billing.async_payment_failed')).toEqual([]);
    expect(
      (await mailTo(harness, customer.email)).filter((m) => m.subject.includes('did not go through')),
    ).toHaveLength(0);
  });

  it('async_payment_failed → the owner is mailed, the failure audited, the workspace stays unpaid', async () => {
    const customer = await completeWithSepaDebit('sepa-ko', IBAN_FAILS);

    await harness.test(`/checkout/sessions/${customer.sessionId}/settle`);
    await harness.idle();
    const failed = await sessionEvent('checkout.session.async_payment_failed', customer.sessionId);
    expect(failed.data.object).toMatchObject({ object: 'checkout.session', payment_status: 'unpaid' });
    expect(await workspaceStatus(harness, customer.workspaceId)).toBe('pending_payment');
    expect(await statusTransitions(harness, customer.workspaceId)).toEqual([]);
    expect(await provisioningRequests(customer.workspaceId)).toEqual([]);

    const audited = await auditRows(customer.workspaceId, 'billing.async_payment_failed');
    expect(audited).toEqual([
      {
        actor_type: 'webhook',
        outcome: 'failure',
        details: expect.objectContaining({
          checkoutSessionId: customer.sessionId,
          workspaceStatus: 'pending_payment',
          eventId: failed.id,
        }),
      },
    ]);
    const mails = await eventually(async () => {
      const found = (await mailTo(harness, customer.email)).filter((m) => m.subject.includes('did not go through'));
      return found.length ? found : null;
    }, 10_000);
    expect(mails).toHaveLength(1);
    expect(mails[0].text).toContain(`/workspaces/${customer.workspaceId}/billing`);

    // A replay mails and audits nothing more.
    const replay = await harness.deliver(JSON.stringify(failed));
    expect(replay.body.outcome).toBe('duplicate');
    expect(await auditRows(customer.workspaceId, 'billing.async_payment_failed')).toHaveLength(1);
    expect(
      (await mailTo(harness, customer.email)).filter((m) => m.subject.includes('did not go through')),
    ).toHaveLength(1);
  });
});
