import type { EdgeOrigin } from '@enclave/sandbox';
import type { LocalStack } from './local-stack';

/** The sandbox's provider pages and test controls, as end users and providers act. */
export function sandboxClient(stack: LocalStack) {
  const sandbox = (path: string, init?: RequestInit) =>
    fetch(`${stack.sandboxUrl}${path}`, init).then(async (r) =>
      r.headers.get('content-type')?.includes('json') ? r.json() : r.text(),
    );
  const postJson = (path: string, body: unknown) =>
    sandbox(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { sandbox, postJson };
}

/** The workspace's subscriptions as Stripe (the stand-in) holds them, found by the metadata our checkout sets. */
export async function stripeSubscriptions(
  stack: LocalStack,
  workspaceId: string,
): Promise<Array<{ id: string; status: string }>> {
  const response = await fetch(`${stack.stripeUrl}/v1/subscriptions?status=all&limit=100`, {
    headers: { authorization: `Bearer ${stack.env.STRIPE_SECRET_KEY}` },
  });
  const { data } = (await response.json()) as {
    data: Array<{ id: string; status: string; metadata: Record<string, string> }>;
  };
  return data.filter((subscription) => subscription.metadata.workspace_id === workspaceId);
}

export async function dnsRecords(
  stack: LocalStack,
  name: string,
): Promise<Array<{ content: string; proxied: boolean }>> {
  const response = await fetch(
    `${stack.sandboxUrl}/cloudflare/client/v4/zones/${stack.zoneId}/dns_records?name=${encodeURIComponent(name)}`,
    { headers: { authorization: `Bearer ${stack.env.CLOUDFLARE_API_TOKEN}` } },
  );
  return ((await response.json()) as { result: Array<{ content: string; proxied: boolean }> }).result;
}

/** Public DNS as the sandbox holds it: a proxied record's address (the edge connects there). */
export async function dnsResolver(stack: LocalStack): Promise<(hostname: string) => EdgeOrigin | undefined> {
  const response = await fetch(
    `${stack.sandboxUrl}/cloudflare/client/v4/zones/${stack.zoneId}/dns_records?per_page=100`,
    { headers: { authorization: `Bearer ${stack.env.CLOUDFLARE_API_TOKEN}` } },
  );
  const records = ((await response.json()) as { result: Array<{ name: string; content: string; proxied: boolean }> })
    .result;
  return (hostname) => {
    const address = records.find((record) => record.proxied && record.name === hostname)?.content;
    return address ? { address, port: stack.ports.nodePublic } : undefined;
  };
}
