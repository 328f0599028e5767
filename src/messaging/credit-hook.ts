// Waiting messages go out as soon as credit lands: purchases tell `credit.arrived` after the
// crediting transaction commits, and the outbox reserves the account's waiting messages at
// once. Only the process that credited hears it; the worker's resume job is the safety net.
import type { AppContext } from '../context.js';
import { onCreditArrived } from '../purchases/index.js';
import { resumeWaiting } from './resume-waiting.js';

/** Subscribes this process's outbox; returns the function that unsubscribes. */
export function resumeWhenCreditArrives(ctx: AppContext): () => void {
  return onCreditArrived(ctx, async ({ accountId }) => {
    await resumeWaiting(ctx, accountId);
  });
}
