/**
 * The floor of the agent node's reply path: bare `node:http`, one SQLite INSERT per webhook
 * (WAL, synchronous=FULL, as the node's acknowledging commit), the 200, then one POST to the
 * provider's send endpoint (`sendMessage` at `--send`). Nothing else: no authentication,
 * no model, no queue. Run as its own process so its CPU time can be read from /proc.
 *
 *   node bench/agent-node-floor.js --port N --send http://127.0.0.1:M/bot<token>/sendMessage --db file
 */
import Database from 'better-sqlite3';
import { createServer, request, Agent } from 'node:http';

const arg = (name: string) => process.argv[process.argv.indexOf(name) + 1];
const port = Number(arg('--port'));
const send = new URL(arg('--send'));
const db = new Database(arg('--db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('CREATE TABLE IF NOT EXISTS inbound (id INTEGER PRIMARY KEY, chat TEXT NOT NULL, body TEXT NOT NULL)');
const insert = db.prepare('INSERT INTO inbound (chat, body) VALUES (?, ?)');
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

createServer((req, res) => {
  if (req.method !== 'POST') return void res.end('ok');
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    const update = JSON.parse(raw) as { message?: { chat?: { id?: number }; text?: string } };
    const chat = String(update.message?.chat?.id ?? '');
    insert.run(chat, raw);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
    const body = JSON.stringify({ chat_id: chat, text: `echo: ${update.message?.text ?? ''}` });
    const out = request(
      send,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (answer) => answer.resume(),
    );
    out.on('error', () => undefined);
    out.end(body);
  });
}).listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
