// Low-balance alert: per account, on by default, e-mailed once when available credit falls to
// or below a limit (the customer's number, or 10% of the last credited purchase's credits) and
// again only after the balance has risen above it. Decided from the ledger's available-credit
// signal in real time (watch.ts), by the database for every process at once (alert.ts).
// Independent of automatic refills. May import config, context, db, ledger, notifications,
// purchases (credit.arrived) and the webhook account events.
//
//   watchBalanceAlerts(ctx)            — at start-up (createContext): subscribes to the ledger
//   balanceAlertsOf(ctx)?.check(id)    — an account's alert settings changed: look again now
//   sweepBalanceAlerts(ctx)            — the worker's safety net for a signal lost to a crash
import type { AppContext } from '../context.js';
import { onCreditArrived } from '../purchases/credit-arrived.js';
import { BalanceAlertWatcher, type WatchOptions } from './watch.js';

export { type Alerted, alertIfLow, rearmIfRecovered } from './alert.js';
export { type AlertState, alertState } from './state.js';
export { sweepBalanceAlerts } from './sweep.js';
export { BalanceAlertWatcher, type WatchOptions } from './watch.js';

const watchers = new WeakMap<AppContext, { watcher: BalanceAlertWatcher; off: () => void }>();

/** Subscribes this process to the ledger's signal; returns the function that unsubscribes. */
export function watchBalanceAlerts(ctx: AppContext, options: WatchOptions = {}): () => void {
  watchers.get(ctx)?.off();
  const watcher = new BalanceAlertWatcher(ctx, options);
  const unsubscribe = ctx.ledger.onAvailableChanged(watcher.onChanges);
  // A credited purchase moves the default limit (10% of the last one): learn it afresh.
  const unheard = onCreditArrived(ctx, ({ accountId }) => watcher.forget(accountId));
  const off = () => {
    unsubscribe();
    unheard();
    if (watchers.get(ctx)?.watcher === watcher) watchers.delete(ctx);
  };
  watchers.set(ctx, { watcher, off });
  return off;
}

/** This process's watcher, if it watches. */
export function balanceAlertsOf(ctx: AppContext): BalanceAlertWatcher | undefined {
  return watchers.get(ctx)?.watcher;
}
