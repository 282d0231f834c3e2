/** The rules of a robots.txt that apply to the node's crawler (RFC 9309: longest match wins). */
export interface RobotsRules {
  allowed(path: string): boolean;
  readonly crawlDelayMs: number;
  readonly sitemaps: readonly string[];
}

export const ALLOW_ALL: RobotsRules = { allowed: () => true, crawlDelayMs: 0, sitemaps: [] };

/** Parses robots.txt for `agentToken` (its group, else `*`). */
export function parseRobots(text: string, agentToken: string): RobotsRules {
  const groups: { agents: string[]; rules: { allow: boolean; path: string }[]; delay: number }[] = [];
  const sitemaps: string[] = [];
  let current: (typeof groups)[number] | undefined;
  let lastWasAgent = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim();
    const m = /^([A-Za-z-]+)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1].toLowerCase();
    const value = m[2].trim();
    if (key === 'sitemap') {
      sitemaps.push(value);
      continue;
    }
    if (key === 'user-agent') {
      if (!current || !lastWasAgent) {
        current = { agents: [], rules: [], delay: 0 };
        groups.push(current);
      }
      current.agents.push(value.toLowerCase());
      lastWasAgent = true;
      continue;
    }
    lastWasAgent = false;
    if (!current) continue;
    if (key === 'allow' || key === 'disallow') {
      if (value) current.rules.push({ allow: key === 'allow', path: value });
    } else if (key === 'crawl-delay') current.delay = Math.max(0, Number(value) || 0);
  }
  const token = agentToken.toLowerCase();
  const group =
    groups.find((g) => g.agents.some((a) => a !== '*' && token.includes(a))) ??
    groups.find((g) => g.agents.includes('*'));
  const rules = group?.rules ?? [];
  return {
    sitemaps,
    crawlDelayMs: (group?.delay ?? 0) * 1000,
    allowed(path: string) {
      let best: { allow: boolean; length: number } | undefined;
      for (const r of rules) {
        if (!matches(path, r.path)) continue;
        const length = r.path.length;
        if (!best || length > best.length || (length === best.length && r.allow)) best = { allow: r.allow, length };
      }
      return best?.allow ?? true;
    },
  };
}

function matches(path: string, pattern: string): boolean {
  const anchored = pattern.endsWith('$');
  const body = (anchored ? pattern.slice(0, -1) : pattern)
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}${anchored ? '$' : ''}`).test(path);
}

/** The <loc> entries of a sitemap or sitemap index. */
export function sitemapLocations(xml: string): { urls: string[]; isIndex: boolean } {
  const urls = [...xml.matchAll(/<loc>\s*([^<]+?)\s*<\/loc>/gi)].map((m) =>
    m[1]
      .replace(/&amp;/g, '&')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'"),
  );
  return { urls, isIndex: /<sitemapindex[\s>]/i.test(xml) };
}
