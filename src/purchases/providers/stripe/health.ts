// Readiness (src/ops/readiness.ts): is Stripe (or the sandbox) reachable with our key? One
// authenticated read, not retried, bounded by the probe's timeout. A key that may not read
// events (a restricted key) still proves Stripe answers and knows the key.
import Stripe from 'stripe';
import type { AppContext } from '../../../context.js';
import { stripeConfigured, stripeOf } from './client.js';

/** The probe, or null when card payments are not configured. */
export function stripeProbe(ctx: AppContext): (() => Promise<string>) | null {
  if (!stripeConfigured(ctx)) return null;
  const what = ctx.config.stripe.sandbox ? 'sandbox' : 'stripe';
  return async () => {
    try {
      await stripeOf(ctx).events.list(
        { limit: 1 },
        { timeout: ctx.config.ops.readyTimeoutMs, maxNetworkRetries: 0 },
      );
    } catch (error) {
      if (error instanceof Stripe.errors.StripePermissionError) return what;
      throw error;
    }
    return what;
  };
}
