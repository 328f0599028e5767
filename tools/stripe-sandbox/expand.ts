// Stripe's `expand[]`: replaces an id field by the object it names, along dotted paths
// (`payment_intent.payment_method`), and `data.*` paths on lists. Only the fields Stripe
// documents as expandable (and whose objects the sandbox keeps) can be expanded.
import { invalidRequest } from './errors.js';
import type { Store } from './store.js';
import type { Json, JsonObject } from './types.js';

const MAX_DEPTH = 4;

/** Per object type, the expandable fields (dotted when inside a hash). */
const EXPANDABLE: Record<string, readonly string[]> = {
  customer: ['invoice_settings.default_payment_method'],
  payment_method: ['customer'],
  payment_intent: ['customer', 'latest_charge', 'payment_method'],
  setup_intent: ['customer', 'payment_method'],
  charge: ['customer', 'payment_intent'],
  refund: ['charge', 'payment_intent'],
  'checkout.session': ['customer', 'payment_intent', 'setup_intent'],
};

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function cannotExpand(path: string): never {
  throw invalidRequest(`This property cannot be expanded (${path}).`, { param: 'expand', validation: true });
}

function expandPath(object: JsonObject, parts: readonly string[], store: Store, path: string): void {
  if (parts.length === 0) return;
  const fields = EXPANDABLE[String(object.object)] ?? [];
  const length = [1, 2].find((n) => n <= parts.length && fields.includes(parts.slice(0, n).join('.')));
  if (length === undefined) cannotExpand(path);
  let container = object;
  for (const part of parts.slice(0, length - 1)) {
    const inner = container[part];
    if (!isObject(inner)) cannotExpand(path);
    container = inner;
  }
  const field = parts[length - 1] ?? '';
  const value = container[field];
  if (value === null || value === undefined) return;
  if (typeof value === 'string') {
    const found = store.find(value);
    if (found === undefined) cannotExpand(path);
    const copy: JsonObject = structuredClone(found);
    container[field] = copy;
    expandPath(copy, parts.slice(length), store, path);
  } else if (isObject(value)) {
    expandPath(value, parts.slice(length), store, path);
  }
}

/** A copy of `object` with `paths` expanded; the stored object is never changed. */
export function expandObject(object: JsonObject, paths: readonly string[], store: Store): JsonObject {
  const copy = structuredClone(object);
  for (const path of paths) {
    const parts = path.split('.');
    if (parts.length > MAX_DEPTH) cannotExpand(path);
    expandPath(copy, parts, store, path);
  }
  return copy;
}

/** Expands `data.<path>` entries on each item of a list. */
export function expandList(
  items: readonly JsonObject[],
  paths: readonly string[],
  store: Store,
): JsonObject[] {
  const itemPaths = paths.map((path) => {
    if (!path.startsWith('data.')) cannotExpand(path);
    return path.slice('data.'.length);
  });
  return items.map((item) => expandObject(item, itemPaths, store));
}
