// What an API key may do. Every key reads; `send` also sends messages and runs campaigns;
// `billing` also buys credits and manages cards; `full` (the default, as every key could before
// scopes existed) does everything, managing the account and its keys included. Sessions are
// never limited by a scope.
//
// The scope a route needs comes from the route's own `config.apiKeyScope`, else from the table
// below, else from its method: GET and HEAD need `read`; any other method `full`, so a new
// write is closed to narrow keys until someone decides otherwise.
import type { FastifyRequest } from 'fastify';
import { AppError } from '../http/errors.js';

export const API_KEY_SCOPES = ['full', 'send', 'billing', 'read'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The API key scope this route needs (see accounts/api-key-scopes.ts). */
    apiKeyScope?: ApiKeyScope;
  }
}

/** Writes open to keys narrower than `full`, by `METHOD url` as the route was registered. */
const ROUTE_SCOPES: Readonly<Record<string, ApiKeyScope>> = {
  // They change nothing: whoever may read may ask.
  'POST /api/v1/messages/estimate': 'read',
  'POST /api/v1/pricing/quote': 'read',
  // Sending, campaigns and the outbox.
  'POST /api/v1/messages': 'send',
  'POST /api/v1/campaigns': 'send',
  'POST /api/v1/campaigns/:id/start': 'send',
  'DELETE /api/v1/campaigns/:id': 'send',
  'DELETE /api/v1/campaigns/:id/outbox': 'send',
  'DELETE /api/v1/outbox': 'send',
  // Buying credits and the cards that pay for them.
  'POST /api/v1/purchases': 'billing',
  'POST /api/v1/purchases/:id/cancel': 'billing',
  'POST /api/v1/cards/setup': 'billing',
  'DELETE /api/v1/cards/:id': 'billing',
  'PUT /api/v1/auto-refill': 'billing',
  // Operators only (session routes): running a month's invoices and re-sending one stay `full`.
  'POST /api/v1/admin/invoices/run': 'full',
  'POST /api/v1/admin/invoices/:id/resend': 'full',
};

export function requiredScope(
  method: string,
  url: string | undefined,
  config: { apiKeyScope?: ApiKeyScope } = {},
): ApiKeyScope {
  if (config.apiKeyScope) return config.apiKeyScope;
  const listed = ROUTE_SCOPES[`${method} ${url ?? ''}`];
  if (listed) return listed;
  return method === 'GET' || method === 'HEAD' ? 'read' : 'full';
}

/** Whether a key of scope `has` may call a route that needs `needs`. */
export function scopeAllows(has: ApiKeyScope, needs: ApiKeyScope): boolean {
  return has === 'full' || needs === 'read' || has === needs;
}

/** Throws forbidden unless the key's scope allows the route of this request. */
export function assertScope(req: FastifyRequest, has: ApiKeyScope): void {
  const needs = requiredScope(req.method, req.routeOptions.url, req.routeOptions.config);
  if (scopeAllows(has, needs)) return;
  throw new AppError(
    'forbidden',
    `This API key's scope (${has}) does not allow this; it needs a key with scope ${needs} or full`,
    { reason: 'api_key_scope', scope: has, needed: needs },
  );
}
