// `serve` with no STRIPE_SECRET_KEY: the Stripe sandbox (tools/stripe-sandbox) runs in this
// process on its own port on 127.0.0.1, and the same provider code talks to it; its hosted
// checkout page is what the customer's browser opens (fine for local use). Refused with
// NODE_ENV=production: there, STRIPE_SECRET_KEY is required.
//
// tools/ is outside the compiled tree (src/), so the sandbox is loaded by path at run time:
// through tsx, which runs the checkout and which the built tree registers on demand.
import type { Logger } from 'pino';
import { type Config, ConfigError } from '../../../config.js';
import { WEBHOOK_PATH } from './routes.js';

/** The part of tools/stripe-sandbox's StripeSandbox used here. */
interface SandboxHandle {
  readonly url: string;
  readonly publicUrl: string;
  readonly secretKey: string;
  readonly webhookSecret: string;
  addWebhookEndpoint(url: string): unknown;
  stop(): Promise<void>;
}

interface SandboxModule {
  startStripeSandbox(options: {
    host: string;
    port: number;
    logger: { info(message: string): void; warn(message: string): void };
  }): Promise<SandboxHandle>;
}

export interface InProcessSandbox {
  /** The configuration with the sandbox's keys and address in `stripe`. */
  config: Config;
  publicUrl: string;
  /** Points the sandbox's webhooks at this server, once it listens (its port is known then). */
  connect(listening: { host: string; port: number }): string;
  stop(): Promise<void>;
}

const SANDBOX_ENTRY = new URL('../../../../tools/stripe-sandbox/index.ts', import.meta.url).href;

function isSandboxModule(value: unknown): value is SandboxModule {
  return (
    typeof value === 'object' &&
    value !== null &&
    'startStripeSandbox' in value &&
    typeof value.startStripeSandbox === 'function'
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

/** The in-process sandbox when no Stripe keys are configured; null when they are. */
export async function startInProcessSandbox(
  config: Config,
  logger: Logger,
): Promise<InProcessSandbox | null> {
  assertStripeForProduction(config);
  if (config.stripe.keys) return null;
  const { startStripeSandbox } = await loadSandbox();
  const log = logger.child({ module: 'stripe-sandbox' });
  const sandbox = await startStripeSandbox({
    host: '127.0.0.1',
    port: 0,
    logger: { info: (message) => log.info(message), warn: (message) => log.warn(message) },
  });
  log.warn(
    { url: sandbox.url },
    'no STRIPE_SECRET_KEY: card payments go to the local Stripe sandbox (test cards only)',
  );
  return {
    config: {
      ...config,
      stripe: {
        ...config.stripe,
        keys: { secretKey: sandbox.secretKey, webhookSecret: sandbox.webhookSecret },
        apiBase: sandbox.url,
        sandbox: true,
      },
    },
    publicUrl: sandbox.publicUrl,
    connect({ host, port }) {
      const local = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : host;
      const url = `http://${local.includes(':') && !local.startsWith('[') ? `[${local}]` : local}:${port}${WEBHOOK_PATH}`;
      sandbox.addWebhookEndpoint(url);
      return url;
    },
    stop: () => sandbox.stop(),
  };
}
