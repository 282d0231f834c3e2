import { invalidRequest, missingParam, unknownParam } from './stripe-errors';
import type { Metadata, StripeObject } from './stripe-store';

/**
 * Reading request parameters the way Stripe validates them: form-encoded bracket notation
 * (`metadata[k]=v`, `line_items[0][price]=…`) parsed into nested objects, each wrong value
 * answered with Stripe's invalid_request_error naming the parameter.
 */

export type Params = Record<string, unknown>;

/** The pagination and filter parameters every list endpoint takes. */
export const LIST_PARAMS = ['limit', 'starting_after', 'ending_before', 'created'];

export function str(params: Params, name: string, param = name): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidRequest(`Invalid string: ${param}`, param);
  return value;
}

export function required(params: Params, name: string, param = name): string {
  const value = str(params, name, param);
  if (value === undefined || value === '') throw missingParam(param);
  return value;
}

export function bool(params: Params, name: string): boolean | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (value === 'true' || value === true) return true;
  if (value === 'false' || value === false) return false;
  throw invalidRequest(`Invalid boolean: ${String(value)}`, name);
}

export function integer(params: Params, name: string, param = name): number | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value))
    throw invalidRequest(`Invalid integer: ${String(value)}`, param, 'parameter_invalid_integer');
  return Number(value);
}

export function url(params: Params, name: string, isRequired: boolean): string | null {
  const value = isRequired ? required(params, name) : str(params, name);
  if (value === undefined) return null;
  try {
    const parsed = new URL(value.replace(/\{CHECKOUT_SESSION_ID\}/g, 'x'));
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw invalidRequest('Not a valid URL', name, 'url_invalid');
  }
  return value;
}

export function isEmail(value: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
}

export function metadata(params: Params, name = 'metadata'): Metadata | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (value === '') return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidRequest(`Invalid object`, name);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 50) throw invalidRequest('Metadata can have at most 50 keys.', name);
  const out: Metadata = {};
  for (const [k, v] of entries) {
    if (typeof v !== 'string')
      throw invalidRequest(`Invalid value for metadata key ${k}: must be a string.`, `${name}[${k}]`);
    if (k.length > 40)
      throw invalidRequest(`Metadata keys can have a maximum length of 40 characters.`, `${name}[${k}]`);
    if (v.length > 500)
      throw invalidRequest(`Metadata values can have a maximum length of 500 characters.`, `${name}[${k}]`);
    out[k] = v;
  }
  return out;
}

/**
 * The values of an array parameter: `a[]=x&a[]=y` parses to an array, `a[0]=x&a[1]=y` to an
 * object keyed by index, and a lone `a=x` to a single value.
 */
export function listOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && value) return Object.values(value);
  return [value];
}

/** Rejects any parameter the endpoint does not know (`expand` is known everywhere). */
export function allow(params: Params, names: string[]): void {
  for (const key of Object.keys(params)) {
    if (key !== 'expand' && !names.includes(key)) throw unknownParam(key);
  }
}

export function expandList(params: Params): string[] {
  if (params.expand === undefined) return [];
  const list = listOf(params.expand);
  if (!list.every((v) => typeof v === 'string')) throw invalidRequest('Invalid array', 'expand');
  return list as string[];
}

export function listResponse(items: StripeObject[], params: Params, urlPath: string): Record<string, unknown> {
  const limit = integer(params, 'limit') ?? 10;
  if (limit < 1 || limit > 100) throw invalidRequest('Invalid limit: must be between 1 and 100', 'limit');
  // Newest first; ties (same second) keep reverse creation order.
  const sorted = [...items].reverse().sort((a, b) => Number(b.created) - Number(a.created));
  let start = 0;
  const after = str(params, 'starting_after');
  if (after) {
    const index = sorted.findIndex((o) => o.id === after);
    if (index < 0) throw invalidRequest(`No such object: '${after}'`, 'starting_after', 'resource_missing');
    start = index + 1;
  }
  const data = sorted.slice(start, start + limit);
  return { object: 'list', data, has_more: start + limit < sorted.length, url: urlPath };
}
