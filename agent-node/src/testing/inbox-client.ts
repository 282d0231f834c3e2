import type { ConversationSummary, ConversationThread, SavedReply } from '@enclave/node-protocol';
import type { NodeFixture } from './node-fixture';

/** The fields inbox tests read from the node's answers (each route's answer holds its own). */
export interface InboxAnswer extends Partial<ConversationThread> {
  readonly conversations: ConversationSummary[];
  readonly nextCursor: string | null;
  readonly savedReplies: SavedReply[];
  readonly savedReply: SavedReply;
  readonly error: { readonly code: string; readonly message: string; readonly details: unknown };
  readonly erased: boolean;
  readonly messages: ConversationThread['messages'];
  readonly conversation: ConversationSummary;
}

export interface InboxResponse {
  readonly status: number;
  readonly body: InboxAnswer;
  readonly headers: Headers;
}

/** The dashboard's side of the inbox in tests: a bearer node session, optionally from a browser origin. */
export interface InboxClient {
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<InboxResponse>;
  json(method: string, path: string, body?: unknown): Promise<InboxAnswer>;
}

export function inboxClient(f: Pick<NodeFixture, 'nodeUrl'>, token: string | null): InboxClient {
  const call: InboxClient['call'] = async (method, path, body, headers = {}) => {
    const res = await fetch(`${f.nodeUrl}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as InboxAnswer, headers: res.headers };
  };
  return {
    call,
    async json(method, path, body) {
      const res = await call(method, path, body);
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
  };
}
