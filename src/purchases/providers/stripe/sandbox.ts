// `serve` with no STRIPE_SECRET_KEY: the Stripe sandbox (tools/stripe-sandbox) runs in this
// process, mounted on the server's own address under /sandbox/stripe: its hosted checkout page
// is wherever the portal is (another machine, a reverse proxy: its links start with PUBLIC_URL,
// and the links between its pages are relative), and the provider calls its API there, over
// HTTP, exactly as it calls api.stripe.com. Refused with NODE_ENV=production: there,
// STRIPE_SECRET_KEY is required, and /sandbox/stripe answers 404.
//
// tools/ is outside the compiled tree (src/), so the sandbox is loaded by path at run time:
// through tsx, which runs the checkout and which the built tree registers on demand.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { type Config, ConfigError, type StripeConfig } from '../../../config.js';
import { SUBSCRIBED_EVENTS } from './events.js';
import { WEBHOOK_PATH } from './routes.js';

/** Where the in-process sandbox answers on the server's address. */
export const SANDBOX_BASE_PATH = '/sandbox/stripe';

/** The part of tools/stripe-sandbox's MountedStripeSandbox used here. */
interface SandboxHandle {
  readonly publicUrl: string;
  readonly secretKey: string;
  readonly webhookSecret: string;
  addWebhookEndpoint(url: string, events?: string[]): unknown;
  handle(req: IncomingMessage, res: ServerResponse, body?: string): void;
  stop(): Promise<void>;
}

interface SandboxModule {
  createStripeSandbox(options: {
    basePath: string;
    publicUrl: string;
    logger: { info(message: string): void; warn(message: string): void };
  }): SandboxHandle;
}

export interface InProcessSandbox {
  /** The configuration with the sandbox's keys and address in `stripe`. */
  config: Config;
  publicUrl: string;
  /**
   * Once the server listens (its port is known then): the provider's API address becomes the
   * server's own, and the sandbox's webhooks go to this server. Returns the webhook URL.
   */
  connect(listening: { host: string; port: number }): string;
  stop(): Promise<void>;
}

/** Answers a request under SANDBOX_BASE_PATH; `body` is the raw body the server has read. */
export type SandboxRequestHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

// The mounted sandbox of a running configuration, found by the routes (stripe/routes.ts).
const mounted = new WeakMap<StripeConfig, SandboxRequestHandler>();

export function mountedSandbox(config: Config): SandboxRequestHandler | undefined {
  return mounted.get(config.stripe);
}

const SANDBOX_ENTRY = new URL('../../../../tools/stripe-sandbox/index.ts', import.meta.url).href;

function isSandboxModule(value: unknown): value is SandboxModule {
  return (
    typeof value === 'object' &&
    value !== null &&
    'createStripeSandbox' in value &&
    typeof value.createStripeSandbox === 'function'
  );
}

async function loadSandbox(): Promise<SandboxModule> {
  let loaded: unknown;
  try {
    loaded = await import(SANDBOX_ENTRY);
  } catch {
    // The built tree runs without tsx: register it for the sandbox's TypeScript.
    const { register } = await import('tsx/esm/api');
    register();
    loaded = await import(SANDBOX_ENTRY);
  }
  if (!isSandboxModule(loaded)) throw new Error(`${SANDBOX_ENTRY} is not the Stripe sandbox`);
  return loaded;
}

/** Refuses a production start without Stripe keys (the sandbox never runs there). */
export function assertStripeForProduction(config: Config): void {
  if (config.nodeEnv === 'production' && !config.stripe.keys) {
    throw new ConfigError(
      'STRIPE_SECRET_KEY',
      'is required with NODE_ENV=production: without it card payments would go to the local Stripe sandbox, ' +
        'which never runs in production. Set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET from your Stripe dashboard.',
    );
  }
}

/** The address of this server from the same machine (the provider's calls and the webhooks). */
function localOrigin(host: string, port: number): string {
  const local = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : host;
  return `http://${local.includes(':') && !local.startsWith('[') ? `[${local}]` : local}:${port}`;
}

/** The in-process sandbox when no Stripe keys are configured; null when they are. */
export async function startInProcessSandbox(
  config: Config,
  logger: Logger,
): Promise<InProcessSandbox | null> {
  assertStripeForProduction(config);
  if (config.stripe.keys) return null;
  const { createStripeSandbox } = await loadSandbox();
  const log = logger.child({ module: 'stripe-sandbox' });
  const sandbox = createStripeSandbox({
    basePath: SANDBOX_BASE_PATH,
    publicUrl: `${config.publicUrl}${SANDBOX_BASE_PATH}`,
    logger: { info: (message) => log.info(message), warn: (message) => log.warn(message) },
  });
  log.warn(
    { url: sandbox.publicUrl },
    'no STRIPE_SECRET_KEY: card payments go to the local Stripe sandbox (test cards only)',
  );
  const stripe: StripeConfig = {
    ...config.stripe,
    keys: { secretKey: sandbox.secretKey, webhookSecret: sandbox.webhookSecret },
    // The configured port until the server listens (connect), for a port chosen at random.
    apiBase: `${localOrigin(config.host, config.port)}${SANDBOX_BASE_PATH}`,
    sandbox: true,
  };
  mounted.set(stripe, (req, res, body) => sandbox.handle(req, res, body));
  return {
    config: { ...config, stripe },
    publicUrl: sandbox.publicUrl,
    connect({ host, port }) {
      const origin = localOrigin(host, port);
      stripe.apiBase = `${origin}${SANDBOX_BASE_PATH}`;
      const url = `${origin}${WEBHOOK_PATH}`;
      sandbox.addWebhookEndpoint(url, [...SUBSCRIBED_EVENTS]);
      return url;
    },
    stop: () => sandbox.stop(),
  };
}
