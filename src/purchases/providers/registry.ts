// Payment providers by method, per running context. Which providers exist is decided from the
// configuration by the factories below; a method without a provider is refused with a clear
// 409 ("card payments are not configured"), never faked.
//
// The card provider (Stripe, or the local Stripe sandbox) joins by adding its factory to
// PROVIDER_FACTORIES: `(ctx) => ctx.config.stripe ? new StripeProvider(ctx) : null`. Tests may
// put a provider in place with registerPaymentProvider.
import type { AppContext } from '../../context.js';
import type { PaymentMethod } from '../purchase.js';
import { bankTransferProvider } from './bank-transfer/provider.js';
import { stripeProvider } from './stripe/provider.js';
import type { PaymentProvider } from './types.js';

export type ProviderFactory = (ctx: AppContext) => PaymentProvider | null;

export const PROVIDER_FACTORIES: ProviderFactory[] = [bankTransferProvider, stripeProvider];

const registries = new WeakMap<AppContext, Map<PaymentMethod, PaymentProvider>>();

function registryOf(ctx: AppContext): Map<PaymentMethod, PaymentProvider> {
  let registry = registries.get(ctx);
  if (!registry) {
    registry = new Map();
    for (const factory of PROVIDER_FACTORIES) {
      const provider = factory(ctx);
      if (provider && !registry.has(provider.method)) registry.set(provider.method, provider);
    }
    registries.set(ctx, registry);
  }
  return registry;
}

/** The provider that takes payments of this method, or undefined when none is configured. */
export function providerFor(ctx: AppContext, method: PaymentMethod): PaymentProvider | undefined {
  return registryOf(ctx).get(method);
}

/** The provider a purchase was made with (by its stored id), if it is still configured. */
export function providerById(ctx: AppContext, id: string): PaymentProvider | undefined {
  for (const provider of registryOf(ctx).values()) if (provider.id === id) return provider;
  return undefined;
}

/** Puts a provider in place for its method (start-up wiring and tests); returns the previous one. */
export function registerPaymentProvider(
  ctx: AppContext,
  provider: PaymentProvider,
): PaymentProvider | undefined {
  const registry = registryOf(ctx);
  const previous = registry.get(provider.method);
  registry.set(provider.method, provider);
  return previous;
}
