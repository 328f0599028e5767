// Saved-card charges this process is making now, by purchase id. Stripe may deliver a
// PaymentIntent's webhook before the charge that made it has acted on its own answer (the
// in-process sandbox nearly always does); converging from the webhook then would read Stripe
// again and queue behind the charge's credit for the purchase's row, only to find it credited.
// So a webhook naming such a purchase waits for the charge here first, for a while at most, and
// then goes on as always (a credited purchase ends it at once). Another process, which does not
// know the charge, converges as before: the row lock keeps it to one credit either way.
import type { AppContext } from '../../../context.js';
import { withTimeout } from '../../../timeout.js';

/** How long a webhook waits for a charge under way before it converges on its own: well inside
 * the time Stripe gives a delivery to be answered. */
const WAIT_MS = 5_000;

const underWay = new WeakMap<AppContext, Map<string, Promise<void>>>();

/** Runs the charge of `purchaseId`, known to this process's webhooks while it runs. */
export async function whileCharging<T>(
  ctx: AppContext,
  purchaseId: string,
  charge: () => Promise<T>,
): Promise<T> {
  let charges = underWay.get(ctx);
  if (!charges) {
    charges = new Map();
    underWay.set(ctx, charges);
  }
  const running = charge();
  const done = running.then(
    () => undefined,
    () => undefined,
  );
  charges.set(purchaseId, done);
  try {
    return await running;
  } finally {
    if (charges.get(purchaseId) === done) charges.delete(purchaseId);
  }
}

/** Resolves when this process's charge of `purchaseId` (if any) has finished, or after WAIT_MS. */
export async function chargeFinished(ctx: AppContext, purchaseId: string): Promise<void> {
  const done = underWay.get(ctx)?.get(purchaseId);
  if (done) await withTimeout(done, WAIT_MS);
}
