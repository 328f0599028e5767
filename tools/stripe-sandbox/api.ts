// The /v1 API pipeline, in Stripe's order: authenticate, decode the form, find the route,
// honour the Idempotency-Key, run the handler, answer with Stripe's JSON and headers. The
// test switches (fail or hang the next requests) apply here.
import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Core } from './core.js';
import { apiError, authenticationError, invalidRequest, StripeApiError } from './errors.js';
import type { Faults } from './faults.js';
import { canonical, FormError, type ParamMap, parseForm } from './form.js';
import { newId } from './ids.js';
import type { IdempotencyKeys, SavedResponse } from './idempotency.js';
import type { ApiCall, ApiHandler, ApiRoute } from './resources/call.js';
import { matchRoute } from './router.js';
import { API_VERSION, type JsonObject } from './types.js';

export interface ApiContext {
  core: Core;
  secretKey: string;
  faults: Faults;
  idempotency: IdempotencyKeys;
  routes: readonly ApiRoute[];
  logError(message: string): void;
}

export interface ApiRequest {
  method: string;
  path: string;
  query: string;
  body: string;
  headers: IncomingHttpHeaders;
}

export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: JsonObject;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function redactKey(key: string): string {
  if (key.length <= 12) return '*'.repeat(key.length);
  return `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}`;
}

/** The key from `Authorization: Bearer sk_…` or Basic auth with the key as the user name. */
function presentedKey(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const [scheme = '', value = ''] = authorization.trim().split(/\s+/, 2);
  if (scheme.toLowerCase() === 'bearer') return value;
  if (scheme.toLowerCase() === 'basic') return Buffer.from(value, 'base64').toString('utf8').split(':')[0];
  return undefined;
}

export function checkApiKey(headers: IncomingHttpHeaders, secretKey: string): void {
  const key = presentedKey(header(headers, 'authorization'));
  if (key === undefined || key === '') {
    throw authenticationError(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    );
  }
  if (key !== secretKey) throw authenticationError(`Invalid API Key provided: ${redactKey(key)}`);
}

function decodeParams(request: ApiRequest): ParamMap {
  try {
    const query = parseForm(request.query);
    return request.method === 'POST' ? { ...query, ...parseForm(request.body) } : query;
  } catch (error) {
    if (error instanceof FormError)
      throw invalidRequest(error.message, { param: error.param, validation: true });
    throw error;
  }
}

function findRoute(ctx: ApiContext, request: ApiRequest) {
  const match = matchRoute(ctx.routes, request.method, request.path);
  if (!match) {
    throw invalidRequest(
      `Unrecognized request URL (${request.method}: ${request.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
      { status: 404, validation: true },
    );
  }
  return match;
}

function run(ctx: ApiContext, handler: ApiHandler, call: ApiCall, request: ApiRequest, requestId: string) {
  try {
    return { response: { status: 200, body: handler(call), requestId }, saved: true };
  } catch (error) {
    if (error instanceof StripeApiError) {
      return {
        response: { status: error.status, body: error.body(), requestId },
        saved: error.savesIdempotentResult,
      };
    }
    ctx.logError(
      `${request.method} ${request.path} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return { response: { status: 500, body: apiError(500).body(), requestId }, saved: false };
  }
}

export async function handleApi(ctx: ApiContext, request: ApiRequest): Promise<HttpReply> {
  const requestId = newId('req');
  const headers: Record<string, string> = {
    'request-id': requestId,
    'stripe-version': header(request.headers, 'stripe-version') ?? API_VERSION,
  };
  try {
    checkApiKey(request.headers, ctx.secretKey);
    const fault = ctx.faults.take();
    if (fault.fail?.when === 'before') throw apiError(fault.fail.status);
    const params = decodeParams(request);
    const { handler, params: path } = findRoute(ctx, request);
    const key = request.method === 'POST' ? header(request.headers, 'idempotency-key') : undefined;
    if (key !== undefined) headers['idempotency-key'] = key;
    let response: SavedResponse;
    const check =
      key === undefined ? null : ctx.idempotency.begin(key, request.method, request.path, canonical(params));
    // A hanging request holds its idempotency key meanwhile: a retry gets Stripe's 409.
    if (fault.hangMs > 0) await sleep(fault.hangMs);
    if (check?.kind === 'replay') {
      response = check.response;
      headers['idempotent-replayed'] = 'true';
      headers['original-request'] = response.requestId;
    } else {
      const call: ApiCall = {
        core: ctx.core,
        params,
        path,
        origin: { id: requestId, idempotency_key: key ?? null },
      };
      const outcome = run(ctx, handler, call, request, requestId);
      response = outcome.response;
      if (key !== undefined) {
        if (outcome.saved) ctx.idempotency.finish(key, response);
        else ctx.idempotency.abandon(key);
      }
    }
    if (fault.fail?.when === 'after') throw apiError(fault.fail.status);
    return { status: response.status, headers, body: response.body };
  } catch (error) {
    if (!(error instanceof StripeApiError)) throw error;
    return { status: error.status, headers: { ...headers, ...error.headers }, body: error.body() };
  }
}
