// Runs the Stripe sandbox on its own, for a product started elsewhere or for curl:
//   node --import tsx tools/stripe-sandbox/cli.ts [--port 12111] [--webhook-url URL]...
import { parseArgs } from 'node:util';
import { SandboxRefusedError, sandboxStripeConfig, startStripeSandbox } from './index.js';

const USAGE = `Usage: node --import tsx tools/stripe-sandbox/cli.ts [options]

  --port N             port to listen on (default 12111; 0 picks one)   env STRIPE_SANDBOX_PORT
  --host HOST          address to listen on (default 127.0.0.1)
  --public-url URL     address browsers use for the hosted pages
  --secret-key KEY     the sk_test_… key clients must send (default: generated)
                                                                     env STRIPE_SANDBOX_SECRET_KEY
  --webhook-secret S   the whsec_… signing secret (default: generated)   env STRIPE_SANDBOX_WEBHOOK_SECRET
  --webhook-url URL    send events there (repeatable)                   env STRIPE_SANDBOX_WEBHOOK_URL
  --help`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const portText = values.port ?? process.env.STRIPE_SANDBOX_PORT ?? '12111';
  if (!/^\d+$/.test(portText) || Number(portText) > 65535)
    fail(`--port must be a port number, not ${portText}`);
  const envWebhook = process.env.STRIPE_SANDBOX_WEBHOOK_URL;
  const webhookUrl = values['webhook-url'] ?? (envWebhook ? [envWebhook] : []);
  for (const url of webhookUrl)
    if (!URL.canParse(url)) fail(`--webhook-url must be an absolute URL, not ${url}`);

  const log = (level: string) => (message: string) =>
    process.stdout.write(`${new Date().toISOString()} ${level} ${message}\n`);
  const sandbox = await startStripeSandbox({
    port: Number(portText),
    host: values.host,
    publicUrl: values['public-url'],
    secretKey: values['secret-key'] ?? process.env.STRIPE_SANDBOX_SECRET_KEY,
    webhookSecret: values['webhook-secret'] ?? process.env.STRIPE_SANDBOX_WEBHOOK_SECRET,
    webhookUrl,
    logger: { info: log('info'), warn: log('warn') },
  });
  const sdk = sandboxStripeConfig(sandbox.url);
  process.stdout.write(
    [
      `Stripe sandbox (test mode only) on ${sandbox.url}`,
      `  secret key       ${sandbox.secretKey}`,
      `  webhook secret   ${sandbox.webhookSecret}`,
      `  webhooks to      ${webhookUrl.length > 0 ? webhookUrl.join(', ') : '(none; POST /_sandbox/webhooks/endpoints url=…)'}`,
      `  SDK options      new Stripe(key, { host: '${sdk.host}', port: ${sdk.port}, protocol: '${sdk.protocol}' })`,
      '',
    ].join('\n'),
  );
  const stop = (): void => {
    sandbox.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function parse() {
  return parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'public-url': { type: 'string' },
      'secret-key': { type: 'string' },
      'webhook-secret': { type: 'string' },
      'webhook-url': { type: 'string', multiple: true },
      help: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
}

main().catch((error: unknown) => {
  if (error instanceof SandboxRefusedError) fail(error.message);
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
