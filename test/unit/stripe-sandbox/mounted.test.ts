// The sandbox mounted under a path of another server (as the product's default mode mounts it
// at /sandbox/stripe): the SDK reaches its API there, the links it gives out start with its
// public address, its pages link each other relatively, and nothing outside the path is its.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createStripeSandbox,
  type MountedStripeSandbox,
  SandboxRefusedError,
} from '../../../tools/stripe-sandbox/index.js';
import { authenticate, location, SUCCESS_URL, submitCheckout } from './helpers.js';

let sandbox: MountedStripeSandbox;
let server: Server;
let origin: string;
let stripe: Stripe;

/** The SDK's HTTP client with the base path put in front of every request's path. */
function underBasePath(basePath: string): Stripe.HttpClient {
  const inner = Stripe.createNodeHttpClient();
  return {
    getClientName: () => inner.getClientName(),
    makeRequest: (host, port, path, method, headers, data, protocol, timeout) =>
      inner.makeRequest(host, port, `${basePath}${path}`, method, headers, data, protocol, timeout),
  };
}

beforeEach(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith('/sandbox/stripe')) sandbox.handle(req, res);
    else res.writeHead(418).end('the host server');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sandbox = createStripeSandbox({ basePath: '/sandbox/stripe/', publicUrl: `${origin}/sandbox/stripe` });
  stripe = new Stripe(sandbox.secretKey, {
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    protocol: 'http',
    maxNetworkRetries: 0,
    httpClient: underBasePath('/sandbox/stripe'),
  });
});
afterEach(async () => {
  await sandbox.stop();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
});

describe('mounted under a base path', () => {
  it('serves the API and the pages below the path, with relative links between the pages', async () => {
    expect(sandbox.basePath).toBe('/sandbox/stripe');
    const customer = await stripe.customers.create({ email: 'ada@example.com' });
    const session = await stripe.checkout.sessions.create({
      mode: 'setup',
      customer: customer.id,
      success_url: SUCCESS_URL,
    });
    expect(session.url).toBe(`${origin}/sandbox/stripe/checkout/${session.id}`);
    const html = await (await fetch(session.url ?? '')).text();
    expect(html).toContain(`<form method="post" action="${session.id}"`);

    const challenged = await submitCheckout(session.url ?? '', { number: '4000002760003184' });
    expect(challenged.headers.get('location')).toBe(`../authenticate/${session.setup_intent}`);
    const failed = await authenticate(location(challenged), 'fail');
    expect(failed.headers.get('location')).toBe(`../checkout/${session.id}`);
    expect(location(failed)).toBe(session.url);
    const saved = await submitCheckout(session.url ?? '', { number: '4242424242424242' });
    expect(location(saved)).toBe(SUCCESS_URL.replace('{CHECKOUT_SESSION_ID}', session.id));
    const cards = await stripe.customers.listPaymentMethods(customer.id, { type: 'card' });
    expect(cards.data.map((card) => card.card?.last4)).toEqual(['4242']);
  });

  it('answers nothing outside its path, and paths at its root are not its API', async () => {
    const outside = await fetch(`${origin}/sandbox/stripefoo/v1/customers`, {
      headers: { authorization: `Bearer ${sandbox.secretKey}` },
    });
    // Handed to it by mistake, a path beside its own is refused, not read as its own.
    expect(outside.status).toBe(404);
    const direct = await fetch(`${origin}/v1/customers`, {
      headers: { authorization: `Bearer ${sandbox.secretKey}` },
    });
    expect(direct.status).toBe(418);
    const root = await fetch(`${origin}/sandbox/stripe`);
    expect(await root.json()).toMatchObject({ object: 'stripe_sandbox', sandbox: true });
  });

  it('refuses a base path that names nothing, and production', () => {
    expect(() => createStripeSandbox({ basePath: '/', publicUrl: origin })).toThrow(SandboxRefusedError);
    const before = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      expect(() =>
        createStripeSandbox({ basePath: '/sandbox/stripe', publicUrl: `${origin}/sandbox/stripe` }),
      ).toThrow(SandboxRefusedError);
    } finally {
      process.env.NODE_ENV = before;
    }
  });
});
