// `credit.arrived`: told after credits land on an account (a purchase credited, an operator's
// positive adjustment), once the transaction has committed. In-process and tiny on purpose: the
// outbox subscribes to resume messages waiting for credit; a listener that throws is logged
// and never disturbs the purchase. A process that did not credit the account hears nothing, so
// subscribers must also look for work on their own schedule (the outbox's job does).
//
//   const off = onCreditArrived(ctx, ({ accountId }) => resumeWaiting(ctx, accountId));
import type { AppContext } from '../context.js';

export interface CreditArrived {
  accountId: string;
  /** Micro-credits that arrived. */
  micros: bigint;
  /** What brought them: `purchase:<id>`, `adjustment:<id>`. */
  source: string;
}

export type CreditArrivedListener = (event: CreditArrived) => void | Promise<void>;

const listeners = new WeakMap<AppContext, Set<CreditArrivedListener>>();

/** Subscribes; returns the function that unsubscribes. */
export function onCreditArrived(ctx: AppContext, listener: CreditArrivedListener): () => void {
  let set = listeners.get(ctx);
  if (!set) {
    set = new Set();
    listeners.set(ctx, set);
  }
  set.add(listener);
  return () => set.delete(listener);
}

/** Tells every listener; call it after the crediting transaction committed. */
export function emitCreditArrived(ctx: AppContext, event: CreditArrived): void {
  for (const listener of listeners.get(ctx) ?? []) {
    try {
      Promise.resolve(listener(event)).catch((err: unknown) =>
        ctx.logger.error({ err, accountId: event.accountId }, 'a credit.arrived listener failed'),
      );
    } catch (err) {
      ctx.logger.error({ err, accountId: event.accountId }, 'a credit.arrived listener failed');
    }
  }
}
