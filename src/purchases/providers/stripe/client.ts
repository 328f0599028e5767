// The `stripe` SDK client of a running context: Stripe itself, or the sandbox at
// STRIPE_API_BASE / in-process on this server's /sandbox/stripe (same code, other address). The SDK retries network errors,
// timeouts, 409s and 5xx up to STRIPE_MAX_NETWORK_RETRIES times with the SAME idempotency
// key, so a retried POST is never executed twice; every POST here passes a key derived from
// our ids (keys.ts).
import Stripe from 'stripe';
import type { AppContext } from '../../../context.js';

/** The API version the provider's code and the sandbox speak. */
export const STRIPE_API_VERSION = '2025-08-27.basil';

const clients = new WeakMap<AppContext, Stripe>();

/** host/port/protocol for the SDK to talk to a server at `url` (the sandbox). */
export function endpointOf(url: string): { host: string; port: number; protocol: 'http' | 'https' } {
  const parsed = new URL(url);
  const protocol = parsed.protocol === 'https:' ? 'https' : 'http';
  const port = parsed.port === '' ? (protocol === 'https' ? 443 : 80) : Number(parsed.port);
  return { host: parsed.hostname, port, protocol };
}

export function stripeConfigured(ctx: AppContext): boolean {
  return ctx.config.stripe.keys !== undefined;
}

/**
 * The SDK's own HTTP client, with every request's path put below `basePath`: the in-process
 * sandbox answers at /sandbox/stripe/v1/… on the server's address (the SDK has no setting for a
 * base path; host, port and protocol are its only address settings).
 */
function underBasePath(basePath: string): Stripe.HttpClient {
  const inner = Stripe.createNodeHttpClient();
  return {
    getClientName: () => inner.getClientName(),
    makeRequest: (host, port, path, method, headers, requestData, protocol, timeout) =>
      inner.makeRequest(host, port, `${basePath}${path}`, method, headers, requestData, protocol, timeout),
  };
}

/** The path an API base names below its origin ('' for none). */
function basePathOf(url: string): string {
  return new URL(url).pathname.replace(/\/+$/, '');
}

/** The context's client, built once. */
export function stripeOf(ctx: AppContext): Stripe {
  let client = clients.get(ctx);
  if (client) return client;
  const { keys, apiBase, maxNetworkRetries, timeoutMs, sandbox } = ctx.config.stripe;
  if (!keys) throw new Error('Stripe is not configured (no STRIPE_SECRET_KEY and no sandbox started)');
  client = new Stripe(keys.secretKey, {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries,
    timeout: timeoutMs,
    telemetry: !sandbox,
    appInfo: { name: 'Tollgate', version: ctx.version },
    ...(apiBase ? endpointOf(apiBase) : {}),
    ...(apiBase && basePathOf(apiBase) !== '' ? { httpClient: underBasePath(basePathOf(apiBase)) } : {}),
  });
  clients.set(ctx, client);
  return client;
}

/**
 * For reads made while someone waits (GET /purchases/{id}): short, and not retried; the worker
 * and the webhooks converge anyway.
 */
export const INTERACTIVE_READ: Stripe.RequestOptions = { timeout: 5_000, maxNetworkRetries: 0 };
