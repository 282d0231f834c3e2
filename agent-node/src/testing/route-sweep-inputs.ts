/**
 * The malformed inputs of the route sweep. Body inputs are built from a route's valid body with
 * the input in its main field (`inject`), so each reaches the field's own validation rather than
 * failing on something else. Every input is due a refusal unless the route lists it in its
 * `accepts` (a text field may take an RTL mark; a provider webhook takes what the provider sends).
 */

/** Stands for raw JSON text in an injected body (numbers beyond doubles, 10k-deep nesting). */
const RAW = '\u0001sweep-raw\u0001';
const raw = (text: string) => ({ [RAW]: text });
const DEPTH = 10_000;

export type Inject = (value: unknown) => unknown;

export interface BodyInput {
  readonly name: string;
  readonly contentType: string;
  readonly body: (inject: Inject) => string;
}

/** JSON text of `value`, with raw JSON put where `raw()` placeholders stand. */
function jsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && RAW in v) {
      raws.push((v as Record<string, string>)[RAW]);
      return `${RAW}${raws.length - 1}`;
    }
    return v;
  });
  return text.replace(/"\\u0001sweep-raw\\u0001(\d+)"/g, (_m, i: string) => raws[Number(i)]);
}

const JSON_TYPE = 'application/json';
const injected = (name: string, value: unknown): BodyInput => ({
  name,
  contentType: JSON_TYPE,
  body: (inject) => jsonText(inject(value)),
});
/** The valid body with extra keys in front (JSON text, so `__proto__` stays an own key). */
const withKeys = (name: string, keys: string): BodyInput => ({
  name,
  contentType: JSON_TYPE,
  body: (inject) => jsonText(inject('hello')).replace(/^\{/, `{${keys},`),
});

export const BODY_INPUTS: readonly BodyInput[] = [
  { name: 'invalid-json', contentType: JSON_TYPE, body: () => '{"text": "unterminated' },
  { name: 'text-plain', contentType: 'text/plain', body: (inject) => jsonText(inject('hello')) },
  { name: 'form-urlencoded', contentType: 'application/x-www-form-urlencoded', body: () => 'text=hello&a=b' },
  {
    name: 'multipart',
    contentType: 'multipart/form-data; boundary=sweep',
    body: () => '--sweep\r\nContent-Disposition: form-data; name="text"\r\n\r\nhello\r\n--sweep--\r\n',
  },
  { name: 'array', contentType: JSON_TYPE, body: (inject) => jsonText([inject('hello')]) },
  { name: 'null', contentType: JSON_TYPE, body: () => 'null' },
  { name: 'scalar', contentType: JSON_TYPE, body: () => '"hello"' },
  injected('wrong-type', { nested: true }),
  injected('missing-field', undefined),
  {
    name: 'unknown-field',
    contentType: JSON_TYPE,
    body: (inject) => jsonText({ ...(inject('hello') as object), unexpectedField: 1 }),
  },
  injected('string-1mb', 'a'.repeat(1024 * 1024)),
  injected('deep-nesting', raw(`${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`)),
  injected('nul', 'a\u0000b'),
  injected('control-chars', 'a\u0007\u001b[31mb\u007f'),
  injected('lone-surrogate', 'a\ud800b'),
  injected('rtl-mark', 'abc\u202edef'),
  withKeys('proto-key', '"__proto__":{"polluted":true}'),
  withKeys('constructor-prototype', '"constructor":{"prototype":{"polluted":true}}'),
  injected('number-1e308', raw('1e308')),
  injected('number-negative', -1),
  injected('number-2^64', raw('18446744073709551616')),
];

/** Query values, already percent-encoded as they go on the wire (some malformed on purpose). */
export const QUERY_INPUTS: readonly { readonly name: string; readonly value: string }[] = [
  { name: 'q-nul', value: 'a%00b' },
  { name: 'q-1000-chars', value: 'x'.repeat(1000) },
  { name: 'q-bad-percent', value: '%E0%A4%A' },
  { name: 'q-lone-surrogate', value: '%ED%A0%80' },
  { name: 'q-rtl-mark', value: 'abc%E2%80%AEdef' },
  { name: 'q-negative', value: '-1' },
  { name: 'q-1e308', value: '1e308' },
  { name: 'q-2^64', value: '18446744073709551616' },
];

/** Path parameter values, as they go on the wire. */
export const PATH_INPUTS: readonly { readonly name: string; readonly value: string }[] = [
  { name: 'p-dot-dot-slash', value: '..%2f..%2fetc%2fpasswd' },
  { name: 'p-nul', value: '%00' },
  { name: 'p-1000-chars', value: 'i'.repeat(1000) },
  { name: 'p-bad-percent', value: '%E0%A4%A' },
  { name: 'p-lone-surrogate', value: '%ED%A0%80' },
];
