// Background jobs the worker runs. Each must be safe with several workers running it at once.
import type { AppContext } from './context.js';
import { expireOverdueHolds } from './ledger/expiry.js';

export interface Job {
  name: string;
  intervalMs: number;
  run(ctx: AppContext): Promise<unknown>;
}

export const JOBS: Job[] = [
  {
    name: 'ledger.expire-holds',
    intervalMs: 5_000,
    run: (ctx) => expireOverdueHolds(ctx.ledger, ctx.writer, ctx.now()),
  },
];
