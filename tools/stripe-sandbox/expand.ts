// Stripe's `expand[]`: replaces an id field by the object it names, along dotted paths
// (`payment_intent.payment_method`), and `data.*` paths on lists.
import { invalidRequest } from './errors.js';
import type { Store } from './store.js';
import type { Json, JsonObject } from './types.js';

const MAX_DEPTH = 4;

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function cannotExpand(path: string): never {
  throw invalidRequest(`This property cannot be expanded (${path}).`, { param: 'expand', validation: true });
}

function expandPath(object: JsonObject, parts: string[], store: Store, path: string): void {
  const [field, ...rest] = parts;
  if (field === undefined) return;
  const value = object[field];
  if (typeof value === 'string') {
    const found = store.find(value);
    if (found === undefined) cannotExpand(path);
    const copy: JsonObject = structuredClone(found);
    object[field] = copy;
    expandPath(copy, rest, store, path);
    return;
  }
  if (value === null && rest.length === 0) return;
  if (!isObject(value)) cannotExpand(path);
  expandPath(value, rest, store, path);
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
