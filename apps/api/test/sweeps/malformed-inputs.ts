/**
 * The malformed inputs of the proof sweeps, built per route from its OpenAPI description: whole
 * bodies that are not what any route takes, bad values for each body field, query parameter and
 * path parameter. Every input here must be refused (4xx in the error shape, nothing changed),
 * except the `mayAccept` ones: well-formed text a person may write (RTL marks, long values in a
 * free-text field), which must only never fail the server.
 */

export interface MalformedInput {
  readonly name: string;
  /** The raw body and its content type, when the input is a body. */
  readonly raw?: string;
  readonly contentType?: string;
  /** Replaces the query string. */
  readonly query?: string;
  /** Replaces one path param (already URL-encoded). */
  readonly param?: { readonly name: string; readonly value: string };
  /** Acceptable if the route takes it; a server error is still a failure. */
  readonly mayAccept?: boolean;
}

/** The slice of JSON Schema the sweep reads from the OpenAPI document. */
export interface FieldSchema {
  readonly type?: string | string[];
  readonly enum?: unknown[];
  readonly format?: string;
  readonly pattern?: string;
  readonly anyOf?: FieldSchema[];
  readonly properties?: Record<string, FieldSchema>;
  readonly required?: string[];
}

const MB = 1024 * 1024;
const RTL = '\u202Eabc\u202C';
const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

/** Inputs that break the body as a whole; `hasSchema` routes also get objects that are wrong. */
export function bodyInputs(valid: Record<string, unknown>, hasSchema: boolean): MalformedInput[] {
  const withKey = (extra: string) =>
    `${JSON.stringify(valid).slice(0, -1)}${Object.keys(valid).length ? ',' : ''}${extra}}`;
  const inputs: MalformedInput[] = [
    { name: 'invalid JSON', raw: '{"name":' },
    { name: 'text/plain body', raw: 'name=x', contentType: 'text/plain' },
    { name: 'form-encoded body', raw: 'name=x', contentType: 'application/x-www-form-urlencoded' },
    {
      name: 'multipart body',
      raw: '--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--b--\r\n',
      contentType: 'multipart/form-data; boundary=b',
    },
    { name: '1 MB string', raw: JSON.stringify({ ...valid, name: 'x'.repeat(MB) }) },
  ];
  if (!hasSchema) return inputs;
  return [
    ...inputs,
    { name: 'array for the object', raw: JSON.stringify([valid]) },
    { name: 'null body', raw: 'null' },
    { name: 'string body', raw: '"x"' },
    { name: 'huge number body', raw: '1e400' },
    { name: 'unknown field', raw: withKey('"unexpectedField":true') },
    { name: '__proto__ key', raw: withKey('"__proto__":{"isStaff":true,"role":"owner"}') },
    { name: 'constructor.prototype key', raw: withKey('"constructor":{"prototype":{"isStaff":true}}') },
    { name: 'deep nesting (10,000 levels)', raw: deep(10_000) },
  ];
}

const types = (s: FieldSchema): string[] =>
  s.anyOf ? s.anyOf.flatMap(types) : Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
/** Free text: a string a person writes, with no enum, format or pattern to hold it to. */
const isFreeText = (s: FieldSchema): boolean =>
  s.anyOf ? s.anyOf.some(isFreeText) : types(s).includes('string') && !s.enum && !s.format && !s.pattern;

/** Bad values for one field, each in an otherwise valid body. */
export function fieldInputs(valid: Record<string, unknown>, field: string, schema: FieldSchema): MalformedInput[] {
  const t = types(schema);
  const values: Array<[string, unknown, boolean?]> = [];
  if (!t.includes('null')) values.push(['null', null]);
  if (!t.includes('array')) values.push(['an array', ['x']]);
  if (!t.includes('object')) values.push(['an object', { x: 1 }]);
  if (t.includes('string')) {
    values.push(
      ['a number', 12345],
      ['NUL', 'a\u0000b'],
      ['control characters', 'a\u0007\u001bb'],
      ['a lone surrogate', 'a\ud800b'],
      ['20,000 characters', 'x'.repeat(20_000), isFreeText(schema)],
      ['RTL marks', RTL, isFreeText(schema)],
    );
  }
  if (t.includes('integer') || t.includes('number'))
    values.push(['a string', '12'], ['-1', -1], ['1e308', 1e308], ['2^64', 2 ** 64], ['1.5', 1.5]);
  if (t.includes('boolean')) values.push(['a string', 'true'], ['a number', 1]);
  if (t.includes('array')) values.push(['a string', 'x'], ['10,000 items', Array(10_000).fill('x')]);
  return values.map(([what, value, mayAccept]) => ({
    name: `${field}: ${what}`,
    raw: JSON.stringify({ ...valid, [field]: value }),
    mayAccept,
  }));
}

/** Bad values for one query parameter (every other parameter left out). */
export function queryInputs(name: string, schema: FieldSchema): MalformedInput[] {
  const q = (value: string) => `${name}=${value}`;
  const inputs: MalformedInput[] = [
    { name: `${name}: NUL`, query: q('a%00b') },
    { name: `${name}: control characters`, query: q('a%07%1Bb') },
    // Both decode to well-formed text (U+FFFD, a literal '%'): a free-text parameter may take them.
    { name: `${name}: invalid UTF-8`, query: q('%ED%A0%80'), mayAccept: isFreeText(schema) },
    { name: `${name}: malformed percent-encoding`, query: q('%E0%A4%A'), mayAccept: isFreeText(schema) },
    { name: `${name}: given twice`, query: `${q('1')}&${q('2')}` },
    { name: `${name}: as an object`, query: `${name}[a]=1` },
    { name: `${name}: 8,000 characters`, query: q('x'.repeat(8_000)), mayAccept: isFreeText(schema) },
    { name: `${name}: RTL marks`, query: q(encodeURIComponent(RTL)), mayAccept: isFreeText(schema) },
  ];
  if (types(schema).includes('integer'))
    inputs.push(
      { name: `${name}: -1`, query: q('-1') },
      { name: `${name}: 1e308`, query: q('1e308') },
      { name: `${name}: 2^64`, query: q('18446744073709551616') },
      { name: `${name}: not a number`, query: q('ten') },
    );
  return inputs;
}

/**
 * Malformed ids for one path param (URL-encoded as they go on the wire). `wellFormed` tells which
 * values are ids of the param's format (of nothing that exists): those may be accepted.
 */
export function paramInputs(name: string, wellFormed: (id: string) => boolean = () => false): MalformedInput[] {
  const values: Array<[string, string]> = [
    ['not an id', 'not-an-id'],
    ['NUL', 'a%00b'],
    ['path traversal', '..%2F..%2Fetc%2Fpasswd'],
    ['1,000 characters', 'x'.repeat(1_000)],
    ['malformed percent-encoding', '%E0%A4%A'],
    ['invalid UTF-8', '%ED%A0%80'],
    ['RTL marks', encodeURIComponent(RTL)],
    ['-1', '-1'],
    ['2^64', '18446744073709551616'],
  ];
  return values.map(([what, value]) => ({
    name: `:${name}: ${what}`,
    param: { name, value },
    mayAccept: wellFormed(decodeURIComponentOrRaw(value)),
  }));
}

function decodeURIComponentOrRaw(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
