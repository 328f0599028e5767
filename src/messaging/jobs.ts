// The messaging room's periodic worker jobs (src/jobs.ts lists them). Each is safe with several
// workers running it at once. The dispatcher itself is a loop of its own (dispatcher.ts).
import type { AppContext } from '../context.js';
import { reconcileExpiredLeases } from './reconcile.js';
import { resumeAllWaiting } from './resume-waiting.js';

export const MESSAGING_JOBS = [
  {
    // Messages left `sending` by a dispatcher that stopped: asked of their carrier, settled once.
    name: 'messaging.reconcile',
    intervalMs: 5_000,
    run: (ctx: AppContext) => reconcileExpiredLeases(ctx),
  },
  {
    // The safety net under the purchase hook: waiting messages of accounts that have credit.
    name: 'messaging.resume-waiting',
    intervalMs: 10_000,
    run: (ctx: AppContext) => resumeAllWaiting(ctx),
  },
  {
    // Receipts stored while their message was still being recorded as sent.
    name: 'messaging.apply-receipts',
    intervalMs: 5_000,
    run: (ctx: AppContext) => ctx.messaging.receipts.applyStored(),
  },
];
