import type { ApiRoute } from './stripe-api';
import { noSuch } from './stripe-errors';
import { allow, bool, LIST_PARAMS, listOf, listResponse, str } from './stripe-params';
import { now, type StripeStore } from './stripe-store';

/** Products and prices: read-only in the API, configured when the stand-in starts. */

export interface StripePriceConfig {
  readonly id: string;
  readonly unitAmount: number;
  readonly currency: string;
  /** Omit for a one-time price. */
  readonly interval?: 'day' | 'week' | 'month' | 'year';
  readonly intervalCount?: number;
  readonly productId?: string;
  readonly productName?: string;
  readonly lookupKey?: string;
  readonly nickname?: string;
}

export const STRIPE_DEFAULT_PRICES: readonly StripePriceConfig[] = [
  {
    id: 'price_enclave_monthly',
    unitAmount: 2900,
    currency: 'eur',
    interval: 'month',
    productId: 'prod_enclave',
    productName: 'Enclave workspace',
    lookupKey: 'enclave_monthly',
  },
  {
    id: 'price_enclave_yearly',
    unitAmount: 29000,
    currency: 'eur',
    interval: 'year',
    productId: 'prod_enclave',
    productName: 'Enclave workspace',
    lookupKey: 'enclave_yearly',
  },
];

/** Creates each configured price, and its product the first time the product is named. */
export function addPrices(store: StripeStore, prices: readonly StripePriceConfig[]): void {
  const created = now();
  for (const p of prices) {
    const productId = p.productId ?? `prod_${p.id.replace(/^price_/, '')}`;
    if (!store.products.has(productId)) {
      store.products.set(productId, {
        id: productId,
        object: 'product',
        active: true,
        created,
        default_price: p.id,
        description: null,
        images: [],
        livemode: false,
        marketing_features: [],
        metadata: {},
        name: p.productName ?? productId,
        package_dimensions: null,
        shippable: null,
        statement_descriptor: null,
        tax_code: null,
        unit_label: null,
        updated: created,
        url: null,
      });
    }
    store.prices.set(p.id, {
      id: p.id,
      object: 'price',
      active: true,
      billing_scheme: 'per_unit',
      created,
      currency: p.currency,
      custom_unit_amount: null,
      livemode: false,
      lookup_key: p.lookupKey ?? null,
      metadata: {},
      nickname: p.nickname ?? null,
      product: productId,
      recurring: p.interval
        ? {
            interval: p.interval,
            interval_count: p.intervalCount ?? 1,
            meter: null,
            trial_period_days: null,
            usage_type: 'licensed',
          }
        : null,
      tax_behavior: 'unspecified',
      tiers_mode: null,
      transform_quantity: null,
      type: p.interval ? 'recurring' : 'one_time',
      unit_amount: p.unitAmount,
      unit_amount_decimal: String(p.unitAmount),
    });
  }
}

export function priceRoutes(route: ApiRoute, store: StripeStore): void {
  route('get', '/prices/:id', ({ req }) => store.getPrice(String(req.params.id)));
  route('get', '/prices', ({ params }) => {
    allow(params, ['active', 'currency', 'lookup_keys', 'product', 'type', 'recurring', ...LIST_PARAMS]);
    const active = bool(params, 'active');
    const product = str(params, 'product');
    const type = str(params, 'type');
    const lookupKeys = params.lookup_keys === undefined ? undefined : listOf(params.lookup_keys);
    const items = [...store.prices.values()].filter(
      (p) =>
        (active === undefined || p.active === active) &&
        (!product || p.product === product) &&
        (!type || p.type === type) &&
        (!lookupKeys || lookupKeys.includes(p.lookup_key)),
    );
    return listResponse(items, params, '/v1/prices');
  });
  route('get', '/products/:id', ({ req }) => {
    const product = store.products.get(String(req.params.id));
    if (!product) throw noSuch('product', String(req.params.id));
    return product;
  });
}
