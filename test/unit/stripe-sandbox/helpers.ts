// A sandbox, a webhook endpoint that verifies signatures with the real SDK, and a `stripe`
// client pointed at the sandbox; plus a browser's part: filling in the hosted pages.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import {
  type StripeSandbox,
  type StripeSandboxOptions,
  sandboxStripeConfig,
  startStripeSandbox,
} from '../../../tools/stripe-sandbox/index.js';

export interface ReceivedWebhook {
  body: string;
  signature: string;
  event: Stripe.Event;
}

/** An HTTP endpoint that accepts only webhooks constructEvent accepts. */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  readonly rejected: string[] = [];
  /** Statuses to answer the next requests with (then 200), to make deliveries fail. */
  readonly failWith: number[] = [];
  private readonly waiters: (() => void)[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly secret: string,
  ) {}

  static async start(secret: string): Promise<WebhookReceiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const receiver = new WebhookReceiver(server, `http://127.0.0.1:${port}/webhooks`, secret);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const failure = receiver.failWith.shift();
        if (failure !== undefined) {
          res.writeHead(failure).end();
          return;
        }
        const body = Buffer.concat(chunks).toString('utf8');
        const signature = String(req.headers['stripe-signature'] ?? '');
        try {
          const event = Stripe.webhooks.constructEvent(body, signature, receiver.secret);
          receiver.received.push({ body, signature, event });
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
        } catch (error) {
          receiver.rejected.push(error instanceof Error ? error.message : String(error));
          res.writeHead(400).end();
        }
        for (const wake of receiver.waiters.splice(0)) wake();
      });
    });
    return receiver;
  }

  events(type?: string): Stripe.Event[] {
    return this.received
      .map((hook) => hook.event)
      .filter((event) => type === undefined || event.type === type);
  }

  /** Waits until `count` events of `type` have arrived. */
  async waitFor(type: string, count = 1, timeoutMs = 5_000): Promise<Stripe.Event[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events(type).length < count) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for ${count} × ${type}; got ${this.events().map((e) => e.type)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.events(type);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

export interface Harness {
  sandbox: StripeSandbox;
  receiver: WebhookReceiver;
  stripe: Stripe;
  /** A client with its own settings (retries, timeout). */
  client(config?: Stripe.StripeConfig): Stripe;
  close(): Promise<void>;
}

export async function startHarness(options: StripeSandboxOptions = {}): Promise<Harness> {
  const webhookSecret = `whsec_${randomBytes(24).toString('base64url')}`;
  const receiver = await WebhookReceiver.start(webhookSecret);
  const sandbox = await startStripeSandbox({
    webhookSecret,
    webhookUrl: receiver.url,
    retryDelaysMs: [20, 50],
    ...options,
  });
  const client = (config: Stripe.StripeConfig = {}): Stripe =>
    new Stripe(sandbox.secretKey, { ...sandboxStripeConfig(sandbox.url), maxNetworkRetries: 0, ...config });
  return {
    sandbox,
    receiver,
    stripe: client(),
    client,
    async close() {
      await sandbox.stop();
      await receiver.close();
    },
  };
}

export interface CardEntry {
  number: string;
  expiry?: string;
  cvc?: string;
  name?: string;
  email?: string;
}

/** Loads the hosted checkout page and submits its card form, as a browser would. */
export async function submitCheckout(sessionUrl: string, card: CardEntry): Promise<Response> {
  const page = await fetch(sessionUrl);
  const html = await page.text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error(`no card form on ${sessionUrl}: ${html.slice(0, 200)}`);
  for (const name of ['card_number', 'card_expiry', 'card_cvc', 'billing_name', 'email']) {
    if (!html.includes(`name="${name}"`)) throw new Error(`the form has no ${name} field`);
  }
  const form = new URLSearchParams({
    card_number: card.number,
    card_expiry: card.expiry ?? '12 / 34',
    card_cvc: card.cvc ?? '123',
    billing_name: card.name ?? 'Ada Lovelace',
    email: card.email ?? 'ada@example.com',
  });
  return fetch(new URL(action, sessionUrl), { method: 'POST', body: form, redirect: 'manual' });
}

/** Presses Approve or Fail on the authenticate page at `url`. */
export async function authenticate(url: string, action: 'approve' | 'fail'): Promise<Response> {
  const page = await fetch(url);
  const html = await page.text();
  if (!html.includes(`value="${action}"`)) throw new Error(`no ${action} button on ${url}`);
  const formAction = /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? '';
  return fetch(new URL(formAction, url), {
    method: 'POST',
    body: new URLSearchParams({ action }),
    redirect: 'manual',
  });
}

/** Where a redirect goes, resolved as a browser resolves it (the pages link each other relatively). */
export function location(response: Response): string {
  const value = response.headers.get('location');
  if (value === null) throw new Error(`expected a redirect, got ${response.status}`);
  return new URL(value, response.url).href;
}

export const SUCCESS_URL = 'https://shop.example/paid?session={CHECKOUT_SESSION_ID}';
export const CANCEL_URL = 'https://shop.example/cancelled';

/** A payment-mode session for €45.00 that saves the card for off-session use. */
export function paymentSession(
  stripe: Stripe,
  customer: string,
  extra: Stripe.Checkout.SessionCreateParams = {},
) {
  return stripe.checkout.sessions.create({
    mode: 'payment',
    customer,
    client_reference_id: 'order_1',
    metadata: { order_id: 'order_1' },
    success_url: SUCCESS_URL,
    cancel_url: CANCEL_URL,
    line_items: [
      {
        quantity: 1,
        price_data: { currency: 'eur', unit_amount: 4500, product_data: { name: '1,000 credits' } },
      },
    ],
    payment_intent_data: { setup_future_usage: 'off_session', metadata: { order_id: 'order_1' } },
    ...extra,
  });
}

/** Saves `number` to `customer` through Checkout in setup mode (authenticating if asked). */
export async function saveCard(
  stripe: Stripe,
  customer: string,
  number: string,
): Promise<Stripe.PaymentMethod> {
  const session = await stripe.checkout.sessions.create({
    mode: 'setup',
    customer,
    success_url: SUCCESS_URL,
  });
  let response = await submitCheckout(session.url ?? '', { number });
  if (location(response).includes('/authenticate/'))
    response = await authenticate(location(response), 'approve');
  if (!location(response).startsWith('https://shop.example/paid')) throw new Error('saving the card failed');
  const done = await stripe.checkout.sessions.retrieve(session.id, {
    expand: ['setup_intent.payment_method'],
  });
  const intent = done.setup_intent;
  if (
    typeof intent !== 'object' ||
    intent === null ||
    typeof intent.payment_method !== 'object' ||
    !intent.payment_method
  ) {
    throw new Error('the setup intent has no payment method');
  }
  return intent.payment_method;
}
