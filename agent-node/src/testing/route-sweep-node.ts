import { generateKeyPairSync } from 'node:crypto';
import { chatApiKeyHash, DEFAULT_WIDGET_SETTINGS, issueNodeSession, WEBHOOK_EVENT_TYPES } from '@enclave/node-protocol';
import { newChatApiKey } from '../chat-api/chat-api-fixture';
import { readyExport } from './export-job';
import { startNodeFixture, TEST_AGENTS, TEST_DASHBOARD_ORIGIN, type NodeFixture } from './node-fixture';
import { ANTHROPIC_TEST_KEY, OPENAI_TEST_KEY, telegramToken, waitFor } from './node-harness';

/** The site the sweep's widget is embedded on (its only allowed origin). */
export const WIDGET_SITE = 'https://shop.example.test';

/** Real ids of this node's objects, so that refusals are not just "no such object". */
export interface SweepIds {
  readonly conversationId: string;
  readonly widgetConversationId: string;
  readonly savedReplyId: string;
  readonly sourceId: string;
  readonly endpointId: string;
  readonly deliveryId: string;
  readonly exportId: string;
  readonly exportLink: string;
  readonly secretKind: string;
}

/** The right credential for each kind of route, and the wrong ones the isolation sweep tries. */
export interface SweepCredentials {
  readonly admin: string;
  readonly member: string;
  readonly expired: string;
  readonly otherNode: string;
  readonly untrusted: string;
  readonly apiKey: string;
  readonly telegramSecret: string;
  readonly whatsappAppSecret: string;
  readonly whatsappVerifyToken: string;
}

export interface SweepNode {
  readonly f: NodeFixture;
  readonly ids: SweepIds;
  readonly creds: SweepCredentials;
}

/**
 * One node with every kind of channel (Telegram, WhatsApp, web widget, chat API), a webhook
 * endpoint, and content in each: a Telegram conversation, a widget conversation, a saved reply,
 * a knowledge source, a webhook delivery and a ready export. Every client address is a trusted
 * proxy's, so each sweep call can come from its own address and no per-address limit trips.
 */
export async function startSweepNode(): Promise<SweepNode> {
  const f = await startNodeFixture({
    trustedProxies: ['127.0.0.1'],
    chatApi: { failedAuthPerMinute: 10_000 },
    webhooks: { testAllowHosts: ['127.0.0.1:9'] },
  });
  const cp = async (method: string, path: string, body?: unknown) => {
    const r = await f.cp.call<Record<string, unknown>>(f.nodeUrl, method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const token = telegramToken();
  const apiKey = newChatApiKey();
  const wa = { appSecret: 'sweep-app-secret', verifyToken: 'sweep-verify-token', phoneNumberId: '100000000000777' };
  await cp('PUT', '/v1/secrets/openai_api_key', { value: OPENAI_TEST_KEY });
  await cp('PUT', '/v1/secrets/anthropic_api_key', { value: ANTHROPIC_TEST_KEY });
  await cp('PUT', '/v1/secrets/telegram_bot_token', { value: token, scope: 'tg-main' });
  await cp('PUT', '/v1/secrets/whatsapp_access_token', { value: 'EAAGsweepaccesstoken', scope: 'wa-main' });
  await cp('PUT', '/v1/secrets/whatsapp_app_secret', { value: wa.appSecret, scope: 'wa-main' });
  await cp('PUT', '/v1/secrets/chat_api_key', { value: chatApiKeyHash(apiKey), scope: 'key-sweep' });
  await cp('PUT', '/v1/config', {
    revision: 1,
    dashboardOrigin: TEST_DASHBOARD_ORIGIN,
    agents: TEST_AGENTS,
    channels: [
      { id: 'tg-main', type: 'telegram', agentId: 'agent-openai', enabled: true },
      {
        id: 'wa-main',
        type: 'whatsapp',
        agentId: 'agent-anthropic',
        enabled: true,
        phoneNumberId: wa.phoneNumberId,
        verifyToken: wa.verifyToken,
      },
      {
        id: 'web-main',
        type: 'web',
        agentId: 'agent-openai',
        enabled: true,
        widget: {
          ...DEFAULT_WIDGET_SETTINGS,
          allowedOrigins: [WIDGET_SITE],
          limits: { messagesPerMinute: 120, maxMessageLength: 2000, conversationsPerIpPerDay: 1000 },
        },
      },
      {
        id: 'key-sweep',
        type: 'api',
        agentId: 'agent-openai',
        enabled: true,
        api: { history: false, limits: { requestsPerMinute: 6000 } },
      },
    ],
    webhooks: [
      {
        id: 'ep-sweep',
        url: 'http://127.0.0.1:9/hooks',
        events: [...WEBHOOK_EVENT_TYPES],
        enabled: true,
        updatedAt: '2026-12-01T00:00:00Z',
      },
    ],
  });

  const { webhook } = await f.sandboxJson('GET', `/telegram/_test/bots/${token}/webhook`);
  const telegramSecret = (webhook as { secretToken: string }).secretToken;
  await f.sandboxJson('POST', `/telegram/_test/bots/${token}/updates`, { chatId: 1001, text: 'hello node' });
  const db = f.app.internals.db;
  const conversationId = await waitFor(async () => {
    const row = db.prepare("SELECT id FROM conversations WHERE channel_id = 'tg-main'").get() as { id: string };
    return row?.id;
  });

  const widgetStart = await fetch(`${f.nodeUrl}/widget/api/conversations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: WIDGET_SITE },
    body: JSON.stringify({ message: { text: 'hello widget', clientId: 'sweep-client-1' } }),
  });
  if (widgetStart.status !== 201) throw new Error(`widget start: ${widgetStart.status} ${await widgetStart.text()}`);
  const widgetConversationId = ((await widgetStart.json()) as { conversationId: string }).conversationId;

  const admin = f.cp.session(f.config.nodeId, 'admin', { userId: 'user-admin' });
  const dashboard = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${f.nodeUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', origin: TEST_DASHBOARD_ORIGIN },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, { id: string | number }>;
  };
  const savedReply = await dashboard('POST', '/v1/inbox/saved-replies', { shortcode: 'hi', text: 'Hello!' });
  const source = await dashboard('POST', '/v1/knowledge/sources', { kind: 'qa', question: 'Hours?', answer: '9-5' });
  const deliveryId = await waitFor(async () => {
    // The sender turns the pipeline's events into deliveries (sending fails: nothing listens there).
    await f.app.internals.webhooks.sender.runDue();
    const row = db.prepare("SELECT id FROM webhook_deliveries WHERE endpoint_id = 'ep-sweep'").get() as { id: string };
    return row?.id;
  });
  const ready = await readyExport(f.cp, f.nodeUrl);

  const untrustedKey = generateKeyPairSync('ed25519').privateKey;
  return {
    f,
    ids: {
      conversationId,
      widgetConversationId,
      savedReplyId: String(savedReply.savedReply.id),
      sourceId: String(source.source.id),
      endpointId: 'ep-sweep',
      deliveryId,
      exportId: ready.exportId,
      exportLink: new URL(ready.url).pathname + new URL(ready.url).search,
      secretKind: 'openai_api_key',
    },
    creds: {
      admin,
      member: f.cp.session(f.config.nodeId, 'member'),
      expired: f.cp.session(f.config.nodeId, 'admin', { now: new Date(Date.now() - 86_400_000) }),
      otherNode: f.cp.session('node-of-another-workspace', 'owner'),
      untrusted: issueNodeSession({
        userId: 'user-admin',
        workspaceId: 'workspace-under-test',
        nodeId: f.config.nodeId,
        role: 'owner',
        privateKey: untrustedKey,
      }).token,
      apiKey,
      telegramSecret,
      whatsappAppSecret: wa.appSecret,
      whatsappVerifyToken: wa.verifyToken,
    },
  };
}
