// Purchases: where a purchase becomes credits. Orders for credits (a pack or any number, by
// card or bank transfer), their tax decided and stored, settlement exactly once, the payment
// provider seam, bank transfers (RF references, camt.053 statements, marking paid by hand),
// expiry of unpaid orders, and refunds of unused credits.
//
// May import: config, context, db, http (errors, idempotency, uploads), ledger, pricing, and
// accounts through its index. Other rooms import from this file only:
//
//   settlePaid / markFailed / updatePaymentDetails   — what a payment provider reports
//   PaymentProvider, registerPaymentProvider          — the provider seam (providers/types.ts)
//   onCreditArrived                                   — told after credits land on an account
//   receiptValues                                     — a receipt's figures, for an e-mail that is one
//
//   awaiting_payment ──settlePaid──> credited            (paid_at + credited_at, one transaction)
//          │ ├──markFailed──> failed ──settlePaid──> credited   (money that arrives is credited)
//          │ ├──cancel (customer)──> canceled
//          │ └──due date passed (job)──> expired ──statement / mark-paid──> credited
//
// `paid` is a status the schema allows but the core never leaves a purchase in: the payment
// (paid_at, paid_via) and the credit (credited_at, transfer purchase:<id>) commit together.
export { adminPurchaseRoutes } from './admin-routes.js';
export { cancelPurchase } from './cancel-purchase.js';
export { createPurchase, type CreatePurchaseInput } from './create-purchase.js';
export {
  type CreditArrived,
  type CreditArrivedListener,
  emitCreditArrived,
  onCreditArrived,
} from './credit-arrived.js';
export { expireOverduePurchases } from './expire-purchases.js';
export { newId } from './ids.js';
export { type ReceiptReader, receiptValues } from './notify.js';
export { importStatement, type ImportResult } from './providers/bank-transfer/import-statement.js';
export { markPaidByOperator } from './providers/bank-transfer/mark-paid.js';
export {
  PROVIDER_FACTORIES,
  type ProviderFactory,
  providerById,
  providerFor,
  registerPaymentProvider,
} from './providers/registry.js';
export type {
  CardPaymentStatus,
  PaymentProvider,
  ProviderRefundInput,
  ProviderRefundResult,
  StartPaymentInput,
  StartPaymentResult,
} from './providers/types.js';
export {
  getPurchase,
  type PaidVia,
  type PaymentMethod,
  type Purchase,
  type PurchaseStatus,
} from './purchase.js';
export { recordRefundOutcome, type Refund, refundPurchase } from './refund-purchase.js';
export { purchaseRoutes } from './routes.js';
export { recheckVatIds } from './vat/recheck.js';
export {
  type FailResult,
  markFailed,
  type PaidDetails,
  type PaymentDetails,
  purchaseTransferId,
  type SettleResult,
  settlePaid,
  updatePaymentDetails,
} from './settle.js';

import type { RouteModule } from '../http/app.js';
import { adminPurchaseRoutes } from './admin-routes.js';
import { purchaseRoutes } from './routes.js';
import { vatEvidenceRoutes } from './vat/admin-routes.js';

/** Every purchases route, for src/routes.ts. */
export const purchasesRoutes: RouteModule = async (app, ctx) => {
  await purchaseRoutes(app, ctx);
  await adminPurchaseRoutes(app, ctx);
  await vatEvidenceRoutes(app, ctx);
};
