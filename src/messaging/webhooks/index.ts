// Customers' message webhooks: enqueued with each status change (enqueue.ts, called by
// messaging/events.ts in the same transaction), delivered signed by a worker job with retries
// (deliver.ts), configured and listed through routes.ts. May import config, db, http,
// accounts (auth) and the messaging room's types.
export { ACCOUNT_EVENT_TYPES, type AccountEventType, enqueueAccountEvent } from './account-events.js';
export { enqueueWebhookEvents, WEBHOOK_STATUSES } from './enqueue.js';
export { deliverDueWebhooks } from './deliver.js';
export { WEBHOOK_JOBS } from './jobs.js';
export { webhookRoutes } from './routes.js';
export { SIGNATURE_HEADER, signWebhook, verifyWebhookSignature } from './signature.js';
