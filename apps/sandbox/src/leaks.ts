/** Longest prefix of a needle's form used as an index key (needles are usually longer). */
const ANCHOR_LENGTH = 16;

/**
 * Where any needle shows up in any haystack — raw, base64, base64url or hex, either case.
 * Every form is indexed by its first characters, so each haystack is read once whatever the
 * number of needles: the suite-wide scan (scripts/at-rest-scan.ts) has thousands of both.
 */
export function leaks(needles: string[], haystacks: Record<string, string>): string[] {
  const forms = needles
    .filter((needle) => needle !== '')
    .flatMap((needle) =>
      Object.entries({
        raw: needle,
        base64: Buffer.from(needle).toString('base64'),
        base64url: Buffer.from(needle).toString('base64url'),
        hex: Buffer.from(needle).toString('hex'),
      }).flatMap(([formName, form]) =>
        [...new Set([form, form.toUpperCase()])].map((text) => ({
          text,
          hit: `${formName} of ${needle.slice(0, 12)}…`,
        })),
      ),
    );
  if (forms.length === 0) return [];
  const anchor = forms.reduce((shortest, form) => Math.min(shortest, form.text.length), ANCHOR_LENGTH);
  const byAnchor = new Map<string, typeof forms>();
  for (const form of forms) {
    const key = form.text.slice(0, anchor);
    const sameAnchor = byAnchor.get(key);
    if (sameAnchor) sameAnchor.push(form);
    else byAnchor.set(key, [form]);
  }
  const hits = new Set<string>();
  for (const [where, haystack] of Object.entries(haystacks)) {
    for (let i = 0; i + anchor <= haystack.length; i++) {
      for (const form of byAnchor.get(haystack.slice(i, i + anchor)) ?? [])
        if (haystack.startsWith(form.text, i)) hits.add(`${where}: ${form.hit}`);
    }
  }
  return [...hits];
}
