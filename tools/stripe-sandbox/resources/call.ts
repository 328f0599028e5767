// What an API handler receives and returns. Handlers are synchronous: all state is in memory,
// so a request runs start to finish without interleaving (which keeps idempotency simple).
import type { Core } from '../core.js';
import { expandObject } from '../expand.js';
import type { ParamMap } from '../form.js';
import type { Params } from '../params.js';
import type { PathParams, Route } from '../router.js';
import type { EventOrigin, JsonObject } from '../types.js';

export interface ApiCall {
  core: Core;
  params: ParamMap;
  path: PathParams;
  origin: EventOrigin;
}

export type ApiHandler = (call: ApiCall) => JsonObject;
export type ApiRoute = Route<ApiHandler>;

/** The object as the response carries it: a copy, with `expand[]` applied. */
export function respond(core: Core, object: JsonObject, params: Params): JsonObject {
  return expandObject(object, params.expand(), core.store);
}
