// Stripe's list object with cursor pagination: limit (1-100, default 10), starting_after,
// ending_before; items newest first; `expand[]=data.<field>` applies to each item.
import { invalidParam, invalidRequest } from './errors.js';
import { expandList } from './expand.js';
import type { Params } from './params.js';
import type { Store } from './store.js';
import type { JsonObject } from './types.js';

export const LIST_PARAMS = ['limit', 'starting_after', 'ending_before'] as const;

export type ListObject = { object: 'list'; data: JsonObject[]; has_more: boolean; url: string };

export function listObject(
  url: string,
  items: readonly JsonObject[],
  params: Params,
  store: Store,
): ListObject {
  const limit = params.int('limit') ?? 10;
  if (limit < 1 || limit > 100) {
    throw invalidParam('limit', 'Limit must be between 1 and 100.', 'parameter_invalid_integer');
  }
  const after = params.string('starting_after');
  const before = params.string('ending_before');
  let page: JsonObject[];
  let hasMore: boolean;
  if (before !== undefined) {
    const end = indexOf(items, before, 'ending_before');
    page = items.slice(Math.max(0, end - limit), end);
    hasMore = end - limit > 0;
  } else {
    const start = after === undefined ? 0 : indexOf(items, after, 'starting_after') + 1;
    page = items.slice(start, start + limit);
    hasMore = items.length > start + limit;
  }
  const expand = params.expand();
  return {
    object: 'list',
    data: expand.length > 0 ? expandList(page, expand, store) : page,
    has_more: hasMore,
    url,
  };
}

function indexOf(items: readonly JsonObject[], id: string, param: string): number {
  const index = items.findIndex((item) => item.id === id);
  if (index < 0)
    throw invalidRequest(`No such object: '${id}'`, { param, code: 'resource_missing', status: 404 });
  return index;
}
