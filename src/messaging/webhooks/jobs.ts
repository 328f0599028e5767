// The webhook worker job (src/jobs.ts lists it): due deliveries sent, safe with several workers.
import type { AppContext } from '../../context.js';
import { deliverDueWebhooks } from './deliver.js';

export const WEBHOOK_JOBS = [
  {
    name: 'webhooks.deliver',
    intervalMs: 1_000,
    run: (ctx: AppContext) => deliverDueWebhooks(ctx),
  },
];
