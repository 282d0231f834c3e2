import { DEFAULT_WIDGET_SETTINGS } from '@enclave/node-protocol';
import { OPENAI_TEST_KEY, waitFor } from '../testing/node-harness';
import { startNodeFixture, type NodeFixture } from '../testing/node-fixture';
import { applyWebhookConfig, startWebhookReceiver, type WebhookReceiver } from '../testing/webhook-receiver';

const SITE = 'http://127.0.0.1:9';

describe('lead.created from the website widget pre-chat form (real node, loopback receiver)', () => {
  let f: NodeFixture;
  let receiver: WebhookReceiver;

  const start = (prechat: Record<string, string>, text: string) =>
    fetch(`${f.nodeUrl}/widget/api/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: SITE },
      body: JSON.stringify({ message: { text, clientId: `c${Math.random().toString(36).slice(2, 12)}` }, prechat }),
    });

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    f = await startNodeFixture({ webhooks: { testAllowHosts: [receiver.hostPort] } });
    const put = await f.cp.call(f.nodeUrl, 'PUT', '/v1/secrets/openai_api_key', { value: OPENAI_TEST_KEY });
    expect(put.status).toBe(200);
    await applyWebhookConfig(
      f,
      1,
      [
        {
          id: 'ep-crm',
          url: receiver.url,
          events: ['lead.created', 'conversation.started'],
          enabled: true,
          updatedAt: 'v1',
        },
      ],
      { 'ep-crm': receiver.secret },
      {
        channels: [
          {
            id: 'web-main',
            type: 'web',
            agentId: 'agent-openai',
            enabled: true,
            widget: {
              ...DEFAULT_WIDGET_SETTINGS,
              allowedOrigins: [SITE],
              prechat: { name: 'required', email: 'optional', phone: 'optional' },
            },
          },
        ],
      },
    );
  }, 60_000);
  afterAll(async () => {
    await f?.close();
    await receiver?.close();
  });

  it('a widget conversation with pre-chat fields produces exactly one lead.created, carrying the fields', async () => {
    const res = await start({ name: 'Ada Lovelace', email: 'ada@example.org', phone: '+44 20 7946 0000' }, 'Hi');
    expect(res.status).toBe(201);
    const more = await fetch(
      `${f.nodeUrl}/widget/api/conversations/${((await res.json()) as { conversationId: string }).conversationId}/messages`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: SITE },
        body: JSON.stringify({ text: 'Another question', clientId: 'c-second-message' }),
      },
    );
    expect(more.status).toBeLessThan(300);
    await f.app.internals.webhooks.sender.runDue();
    await waitFor(() => receiver.verified().length === 2);
    const got = receiver.verified();
    expect(got.map((r) => r.type)).toEqual(['conversation.started', 'lead.created']);
    expect(got[1].payload.data.lead).toEqual({
      name: 'Ada Lovelace',
      email: 'ada@example.org',
      phone: '+44 20 7946 0000',
    });
    expect(got[1].payload.data.conversation).toMatchObject({ channelType: 'web', channelId: 'web-main' });

    // Later messages of the same conversation add no lead; neither does running the queue again.
    await f.app.internals.webhooks.sender.runDue();
    expect(receiver.received.filter((r) => r.type === 'lead.created')).toHaveLength(1);
  });
});
