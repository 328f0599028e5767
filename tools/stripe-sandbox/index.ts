// A local Stripe-compatible server for the default mode and the tests: the subset of Stripe's
// REST API the Stripe provider uses, a hosted checkout page taking Stripe's test cards, and
// signed webhooks. Self-contained: it imports nothing from src/. See README.md.
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { ApiContext } from './api.js';
import { expireDueSessions } from './checkout.js';
import { createControl, type SandboxControl } from './control.js';
import { createCore } from './core.js';
import { Faults } from './faults.js';
import { IdempotencyKeys } from './idempotency.js';
import { randomToken } from './ids.js';
import { checkoutSessionRoutes } from './resources/checkout-sessions.js';
import { customerRoutes } from './resources/customers.js';
import { paymentIntentRoutes } from './resources/payment-intents.js';
import { paymentMethodRoutes } from './resources/payment-methods.js';
import { readRoutes } from './resources/reads.js';
import { refundRoutes } from './resources/refunds.js';
import { requestListener, type SandboxApp } from './server.js';
import { Store } from './store.js';
import { type WebhookEndpoint, WebhookSender } from './webhooks.js';

export { TEST_CARDS, TEST_PAYMENT_METHODS } from './cards.js';
export type { SandboxControl } from './control.js';
export type { FailWhen } from './faults.js';
export { signatureHeader } from './signature.js';
export { API_VERSION, type EventType, type StripeEvent } from './types.js';
export type { DeliveryRecord, WebhookEndpoint } from './webhooks.js';

export interface SandboxLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface StripeSandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The key clients must send (sk_test_…); generated when absent. */
  secretKey?: string;
  /** The webhook signing secret (whsec_…); generated when absent. */
  webhookSecret?: string;
  webhookUrl?: string | string[];
  /** The address browsers reach the hosted pages at, when not the listening address. */
  publicUrl?: string;
  /** Waits before each retry of a failed webhook delivery; its length is the number of retries. */
  retryDelaysMs?: number[];
  /** How long one webhook delivery may take (default 10 s). */
  webhookTimeoutMs?: number;
  logger?: SandboxLogger;
}

export interface StripeSandbox {
  /** Where the API listens, e.g. http://127.0.0.1:41234 (see sandboxStripeConfig). */
  readonly url: string;
  /** Where browsers reach the hosted pages (checkout session urls start with it). */
  readonly publicUrl: string;
  readonly secretKey: string;
  readonly webhookSecret: string;
  readonly control: SandboxControl;
  addWebhookEndpoint(url: string, events?: string[]): WebhookEndpoint;
  stop(): Promise<void>;
}

export class SandboxRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxRefusedError';
  }
}

/** Stripe retries for days; locally, minutes are enough. */
export const DEFAULT_RETRY_DELAYS_MS = [5_000, 30_000, 120_000, 600_000, 3_600_000];
const SESSION_SWEEP_MS = 10_000;
const SILENT: SandboxLogger = { info: () => {}, warn: () => {} };

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export interface MountOptions extends Omit<StripeSandboxOptions, 'port' | 'host' | 'publicUrl'> {
  /** The path it answers under on the server it is mounted in, e.g. /sandbox/stripe. */
  basePath: string;
  /** Where browsers reach that path (the server's public address followed by basePath). */
  publicUrl: string;
}

/** A sandbox answering requests that another HTTP server hands it (see createStripeSandbox). */
export interface MountedStripeSandbox extends Omit<StripeSandbox, 'url'> {
  readonly basePath: string;
  /** Answers one request under basePath; `body` when the server has read it already. */
  handle(req: IncomingMessage, res: ServerResponse, body?: string): void;
}

function refuseInProduction(): void {
  if (process.env.NODE_ENV === 'production') {
    throw new SandboxRefusedError(
      'The Stripe sandbox does not run with NODE_ENV=production: configure Stripe keys.',
    );
  }
}

interface Built {
  handle: (req: IncomingMessage, res: ServerResponse, body?: string) => void;
  secretKey: string;
  webhookSecret: string;
  control: SandboxControl;
  addWebhookEndpoint(url: string, events?: string[]): WebhookEndpoint;
  /** Stops timers and deliveries (not a server: whoever listens closes it). */
  stop(): Promise<void>;
}

function build(options: StripeSandboxOptions, publicUrl: string, basePath: string): Built {
  const secretKey = options.secretKey ?? `sk_test_sandbox_${randomToken(24)}`;
  if (!secretKey.startsWith('sk_test_'))
    throw new SandboxRefusedError('The sandbox takes test keys only (sk_test_…).');
  const webhookSecret = options.webhookSecret ?? `whsec_${randomToken(32)}`;
  const logger = options.logger ?? SILENT;
  const webhooks = new WebhookSender({
    secret: webhookSecret,
    retryDelaysMs: options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
    timeoutMs: options.webhookTimeoutMs ?? 10_000,
    logger,
  });
  const webhookUrls = options.webhookUrl === undefined ? [] : [options.webhookUrl].flat();
  for (const endpoint of webhookUrls) webhooks.addEndpoint(endpoint);
  const store = new Store();
  let clockOffset = 0;
  const core = createCore({
    store,
    clockOffset: () => clockOffset,
    publicUrl,
    endpointCount: (type) => webhooks.endpointCount(type),
    onEvent: (event) => webhooks.dispatch(event),
  });
  const faults = new Faults();
  const logError = (message: string): void => logger.warn(message);
  const api: ApiContext = {
    core,
    secretKey,
    faults,
    idempotency: new IdempotencyKeys(),
    routes: [
      ...customerRoutes,
      ...checkoutSessionRoutes,
      ...paymentIntentRoutes,
      ...paymentMethodRoutes,
      ...refundRoutes,
      ...readRoutes,
    ],
    logError,
  };
  const control = createControl(core, faults, webhooks, {
    advance: (seconds) => {
      clockOffset += seconds;
    },
  });
  const app: SandboxApp = { core, api, control: { control, faults, webhooks }, basePath, logError };
  const sweep = setInterval(() => expireDueSessions(core), SESSION_SWEEP_MS);
  sweep.unref();
  return {
    handle: requestListener(app),
    secretKey,
    webhookSecret,
    control,
    addWebhookEndpoint: (endpointUrl, events) => webhooks.addEndpoint(endpointUrl, events),
    async stop() {
      clearInterval(sweep);
      webhooks.stop();
      await webhooks.settle();
    },
  };
}

/** The sandbox on its own port (tests, and `cli.ts` for STRIPE_API_BASE). */
export async function startStripeSandbox(options: StripeSandboxOptions = {}): Promise<StripeSandbox> {
  refuseInProduction();
  if (options.secretKey !== undefined && !options.secretKey.startsWith('sk_test_'))
    throw new SandboxRefusedError('The sandbox takes test keys only (sk_test_…).');
  const logger = options.logger ?? SILENT;
  const host = options.host ?? '127.0.0.1';

  // The app needs the port (for its public URL), so it is built once the server listens.
  let listener: RequestListener | undefined;
  const server = createServer((req, res) => {
    if (listener) listener(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const url = `http://${urlHost(host)}:${port}`;
  const publicUrl = (options.publicUrl ?? url).replace(/\/+$/, '');
  const built = build(options, publicUrl, '');
  listener = (req, res) => built.handle(req, res);
  logger.info(`Stripe sandbox listening on ${url}`);

  return {
    url,
    publicUrl,
    secretKey: built.secretKey,
    webhookSecret: built.webhookSecret,
    control: built.control,
    addWebhookEndpoint: built.addWebhookEndpoint,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await built.stop();
    },
  };
}

/**
 * The sandbox without a server of its own, for a server that hands it the requests under
 * `basePath` (the product's default mode serves it at /sandbox/stripe on the portal's own
 * address). Its API is then at that server's address followed by basePath, and every link it
 * gives out starts with `publicUrl`; links between its own pages are relative.
 */
export function createStripeSandbox(options: MountOptions): MountedStripeSandbox {
  refuseInProduction();
  const basePath = `/${options.basePath.replace(/^\/+|\/+$/g, '')}`;
  if (basePath === '/') throw new SandboxRefusedError('basePath must name a path such as /sandbox/stripe');
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const built = build(options, publicUrl, basePath);
  return {
    basePath,
    publicUrl,
    secretKey: built.secretKey,
    webhookSecret: built.webhookSecret,
    control: built.control,
    addWebhookEndpoint: built.addWebhookEndpoint,
    handle: built.handle,
    stop: built.stop,
  };
}

/** Options for the `stripe` SDK's constructor to talk to a sandbox at `url`. */
export function sandboxStripeConfig(url: string): { host: string; port: number; protocol: 'http' | 'https' } {
  const parsed = new URL(url);
  const protocol = parsed.protocol === 'https:' ? 'https' : 'http';
  const port = parsed.port === '' ? (protocol === 'https' ? 443 : 80) : Number(parsed.port);
  return { host: parsed.hostname, port, protocol };
}
