/**
 * Entry point of the agent-node bundle on a host: `bin/node app/launcher.js --config <etc>/node.json`.
 *
 * The agent node itself serves plain HTTP on the loopback port of its config. This launcher
 * terminates TLS for it: once `<etc>/tls/tls.json` exists (written by the provisioning TLS
 * step: Cloudflare Origin CA certificate + the key generated on this host), it listens on
 * the public HTTPS port and pipes each connection to the node's loopback port. It re-reads
 * the certificate when the files change (renewal without a restart). Then it runs the node
 * in the same process.
 */
import { existsSync, readFileSync, statSync, watch } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { createServer, type Server } from 'node:tls';

interface TlsFile {
  host: string;
  port: number;
  certFile: string;
  keyFile: string;
}

function configPath(argv: readonly string[]): string {
  const i = argv.indexOf('--config');
  if (i >= 0 && argv[i + 1]) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith('--config='));
  if (eq) return eq.slice('--config='.length);
  return process.env.ENCLAVE_NODE_CONFIG ?? '';
}

function log(message: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(
    `${JSON.stringify({ level: 30, time: Date.now(), svc: 'enclave-launcher', msg: message, ...extra })}\n`,
  );
}

function startTlsTerminator(config: string): void {
  const tlsJson = join(dirname(config), 'tls', 'tls.json');
  let server: Server | undefined;
  let stamp = '';
  const check = () => {
    try {
      if (!existsSync(tlsJson)) return;
      const tls = JSON.parse(readFileSync(tlsJson, 'utf8')) as TlsFile;
      const nextStamp = [tlsJson, tls.certFile, tls.keyFile].map((f) => statSync(f).mtimeMs).join(':');
      if (nextStamp === stamp) return;
      const context = { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) };
      stamp = nextStamp;
      if (server) {
        server.setSecureContext(context);
        log('tls certificate reloaded');
        return;
      }
      const node = JSON.parse(readFileSync(config, 'utf8')) as { listen: { host?: string; port: number } };
      server = createServer(context, (socket) => {
        const upstream = connect(node.listen.port, node.listen.host ?? '127.0.0.1');
        socket.pipe(upstream).pipe(socket);
        const close = () => {
          socket.destroy();
          upstream.destroy();
        };
        socket.on('error', close);
        upstream.on('error', close);
      });
      server.on('tlsClientError', () => undefined);
      server.listen(tls.port, tls.host, () => log('tls terminator listening', { port: tls.port, host: tls.host }));
    } catch (err) {
      log('tls configuration not usable yet', { error: (err as Error).message });
    }
  };
  // Signalled: the TLS step's rename of tls.json (or of a renewed certificate) wakes the check at
  // once through inotify; the slow poll stays as the fallback where watching is not available.
  let pending: NodeJS.Timeout | undefined;
  let watchingTls = false;
  const watchDir = (dir: string): boolean => {
    try {
      watch(dir, { persistent: false }, () => soon());
      return true;
    } catch {
      return false;
    }
  };
  const soon = () => {
    if (pending) clearTimeout(pending);
    pending = setTimeout(() => {
      watchingTls ||= watchDir(dirname(tlsJson));
      check();
    }, 20);
    pending.unref();
  };
  watchingTls = watchDir(dirname(tlsJson));
  watchDir(dirname(config));
  check();
  setInterval(check, 2_000).unref();
}

// The bundle's version (`versions/<V>/VERSION`), for the node to report in its heartbeats.
try {
  process.env.ENCLAVE_NODE_VERSION ??= readFileSync(join(__dirname, '..', 'VERSION'), 'utf8').trim();
} catch {
  // not running from a bundle
}

const config = configPath(process.argv.slice(2));
if (config) startTlsTerminator(config);
// The agent node proper: a separate file beside this one in the bundle, so it is loaded by its
// path at run time (esbuild must not inline it); it reads --config from argv itself.
createRequire(__filename)(join(__dirname, 'agent-node.js'));
