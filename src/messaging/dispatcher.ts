// The dispatcher loop a worker runs: dispatch rounds back to back while messages are due,
// otherwise a nap of MESSAGE_DISPATCH_INTERVAL_MS that a new message (in this process) cuts
// short. stop() claims nothing more, lets the submits in flight finish and settle, and returns.
// A round keeps its claims pipelined for up to ROUND_MS while messages keep coming.
import type { AppContext } from '../context.js';
import { dispatchDue } from './dispatch.js';

const ROUND_MS = 10_000;

export interface Dispatcher {
  stop(): Promise<void>;
}

export function startDispatcher(ctx: AppContext): Dispatcher {
  let stopped = false;
  let wakeUp: (() => void) | null = null;
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });
  const unsubscribe = ctx.messaging.onWake(() => wakeUp?.());
  const loop = (async () => {
    while (!stopped) {
      try {
        const report = await dispatchDue(ctx, { budgetMs: ROUND_MS, shouldStop: () => stopped });
        if (report.claimed === 0 && !stopped) await nap(ctx.config.messaging.dispatchIntervalMs);
      } catch (err) {
        ctx.logger.error({ err }, 'dispatch failed');
        if (!stopped) await nap(1_000);
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      wakeUp?.();
      await loop;
      unsubscribe();
    },
  };
}
