// Messaging: single sends, campaigns' messages, the outbox (waiting for credit, Remove
// outbox), the dispatcher that hands messages to carriers, receipts and refunds.
// Where a message is charged: its hold is taken in send-message.ts (or resume-waiting.ts when
// it waited for credit), posted or voided in settle.ts, refunded in receipts.ts.
// May import config, db, http, ledger, pricing, accounts (guards and auth) and its own
// carriers/. Other rooms import from this file only.
export { createCampaign, type CampaignInput, type CreatedCampaign } from './campaigns/create-campaign.js';
export { type CarrierSet, singleCarrier } from './carrier-set.js';
export { type Composed, compose, type ComposeInput, type ComposeRules } from './compose.js';
export { type DispatchReport, dispatchDue } from './dispatch.js';
export { type Dispatcher, startDispatcher } from './dispatcher.js';
export { MESSAGING_JOBS } from './jobs.js';
export { getMessage, listMessages } from './list-messages.js';
export { outboxSummary } from './outbox.js';
export { builtInPrices, type PriceSource } from './prices.js';
export { reconcileExpiredLeases } from './reconcile.js';
export { removeOutbox } from './remove-outbox.js';
export { resumeAllWaiting, resumeWaiting } from './resume-waiting.js';
export { messagingRoutes } from './routes.js';
export { type SendRequest, type SendResult, sendMessage } from './send-message.js';
export { type MessagingDeps, MessagingService } from './service.js';
export { MESSAGE_STATUSES, type MessageStatus, OUTBOX_STATUSES } from './types.js';
