import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const agent = new Agent({ keepAlive: true, maxSockets: 512 });

/**
 * POSTs a JSON body with node:http (keep-alive) and resolves with the status once the answer is
 * read. A keep-alive socket the server closed just as it was reused (ECONNRESET before any answer)
 * is retried on a new one, as providers do; the node drops a repeated update as a duplicate.
 */
export async function postJson(url: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await postOnce(url, body, headers);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET' || attempt >= 3) throw error;
    }
  }
}

function postOnce(url: string, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Who a send is for: Telegram's `chat_id` (JSON or form) or WhatsApp's `to`. */
function recipient(path: string, body: Buffer): string | undefined {
  if (!/\/sendMessage$|\/messages$/.test(path)) return undefined;
  const text = body.toString('utf8');
  try {
    const json = JSON.parse(text) as { chat_id?: unknown; to?: unknown };
    return String(json.chat_id ?? json.to ?? '');
  } catch {
    return new URLSearchParams(text).get('chat_id') ?? undefined;
  }
}

/**
 * Sits between the node (or the floor) and the providers' stand-ins: forwards requests to the
 * sandbox unchanged (Telegram sends it answers itself) and, once a send (`sendMessage`, WhatsApp `/messages`) was answered,
 * tells whoever waits for a reply to that recipient. The same hop for the node and its floor.
 */
export class ProviderProxy {
  private server: Server | undefined;
  private readonly waiters = new Map<string, () => void>();
  private messageId = 0;
  url = '';

  constructor(private readonly sandboxUrl: string) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void readBody(req).then((body) => {
        if (/\/sendMessage$/.test(req.url ?? '')) return this.answerTelegramSend(body, res);
        const upstream = request(
          `${this.sandboxUrl}${req.url}`,
          { method: req.method, agent, headers: { ...req.headers, host: new URL(this.sandboxUrl).host } },
          (answer) => {
            if (process.env.BENCH_DEBUG)
              console.log(
                `proxy ${req.url} -> ${answer.statusCode} ${req.headers['content-type']} ${body.toString('utf8').slice(0, 120)}`,
              );
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            answer.on('end', () => {
              const to = recipient(req.url ?? '', body);
              const waiter = to === undefined ? undefined : this.waiters.get(to);
              if (waiter && (answer.statusCode ?? 0) < 300) {
                this.waiters.delete(to as string);
                waiter();
              }
            });
          },
        );
        upstream.on('error', () => res.destroy());
        upstream.end(body);
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /**
   * Telegram's sendMessage answered here, as the Bot API answers it (the sent Message), so the
   * sandbox's Express app does not bound the rate of the node or its floor. WhatsApp sends go
   * on to the stand-in: its status callbacks are part of what is measured.
   */
  private answerTelegramSend(body: Buffer, res: ServerResponse): void {
    const to = recipient('/sendMessage', body) ?? '0';
    const params = JSON.parse(body.toString('utf8')) as { text?: string };
    this.messageId += 1;
    const answer = JSON.stringify({
      ok: true,
      result: {
        message_id: this.messageId,
        from: { id: 1, is_bot: true, first_name: 'Bench bot', username: 'bench_bot' },
        chat: { id: Number(to), type: 'private', first_name: 'Bench' },
        date: Math.floor(Date.now() / 1000),
        text: params.text ?? '',
      },
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
    res.end(answer);
    const waiter = this.waiters.get(to);
    if (waiter) {
      this.waiters.delete(to);
      waiter();
    }
  }

  /** Resolves when the next send to `to` was answered. */
  reply(to: string): Promise<void> {
    return new Promise((resolve) => this.waiters.set(to, resolve));
  }

  close(): Promise<void> {
    return new Promise((r) => this.server?.close(() => r()));
  }
}

/** Message numbers never repeat within a process: a repeated update id is a duplicate the node drops. */
let sequence = 0;

export interface LoadResult {
  readonly replies: number;
  readonly seconds: number;
  readonly latenciesMs: number[];
}

/**
 * Closed-loop load: `concurrency` end users, each sending its next message once the previous
 * one was answered, for `durationMs`. `send(user, seq)` posts the webhook for user `user`.
 */
export async function closedLoop(
  proxy: ProviderProxy,
  concurrency: number,
  durationMs: number,
  recipientOf: (user: number) => string,
  send: (user: number, seq: number) => Promise<number>,
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, user) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const replied = proxy.reply(recipientOf(user));
        const status = await send(user, (sequence += 1));
        if (status !== 200) throw new Error(`webhook answered ${status}`);
        await replied;
        latenciesMs.push(performance.now() - t0);
      }
    }),
  );
  return { replies: latenciesMs.length, seconds: (performance.now() - started) / 1000, latenciesMs };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** A Telegram update for a private chat, as the Bot API posts it. */
export function telegramUpdate(chatId: number, seq: number): string {
  const chat = { id: chatId, type: 'private', first_name: 'Bench' };
  return JSON.stringify({
    update_id: 1_000_000 + seq,
    message: {
      message_id: seq,
      from: { id: chatId, is_bot: false, first_name: 'Bench', language_code: 'en' },
      chat,
      date: Math.floor(Date.now() / 1000),
      text: `question number ${seq}, when does my order arrive?`,
    },
  });
}

/** A signed WhatsApp message webhook built from an envelope the stand-in delivered (same metadata). */
export function whatsappMessage(
  envelope: string,
  appSecret: string,
  from: string,
  seq: number,
): { body: string; headers: Record<string, string> } {
  const payload = JSON.parse(envelope) as {
    entry: Array<{ changes: Array<{ value: { contacts: unknown[]; messages: unknown[] } }> }>;
  };
  const value = payload.entry[0].changes[0].value;
  value.contacts = [{ profile: { name: 'Bench' }, wa_id: from }];
  value.messages = [
    {
      from,
      id: `wamid.bench${seq}x${Date.now()}`,
      timestamp: String(Math.floor(Date.now() / 1000)),
      type: 'text',
      text: { body: `question number ${seq}, when does my order arrive?` },
    },
  ];
  const body = JSON.stringify(payload);
  return {
    body,
    headers: { 'x-hub-signature-256': `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}` },
  };
}

/** User CPU + system CPU of a process so far, in ms (/proc/<pid>/stat, clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
}
