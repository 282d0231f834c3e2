import { JOB_IDS, JobName, QueueService } from '@enclave/queue';
import {
  billingAccount,
  type BillingHarness,
  expectNoCardDataOrStripeSecret,
  ownerWithWorkspace,
  PLANS,
  startBillingHarness,
  startCheckout,
  subscribe,
  workspaceStatus,
} from '../../test/billing';
import { signInByEmail } from '../../test/sign-in';

/** Plans, checkout and who may start one (real Stripe SDK → sandbox stand-in → signed webhooks back). */
describe('billing: plans and checkout', () => {
  let harness: BillingHarness;
  let queues: QueueService;

  beforeAll(async () => {
    harness = await startBillingHarness();
    queues = harness.api.app.get(QueueService);
  });
  afterAll(async () => {
    await harness.close();
  });

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
    const { stripe_customer_id: customerId } = await billingAccount(harness, customer.workspaceId);
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

    await subscribe(harness, customer);
    expect(await workspaceStatus(harness, customer.workspaceId)).toBe('provisioning');
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
    expect(await billingAccount(harness, owner.workspaceId)).toBeUndefined(); // nothing was created at Stripe for them
  });

  it('never stores card data or the Stripe secret', async () => {
    await expectNoCardDataOrStripeSecret(harness);
  });
});
