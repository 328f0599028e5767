// Bank transfer as a PaymentProvider: nothing to start (the customer pays by hand with the
// details stored on the purchase), nothing to cancel, and refunds are paid back by the operator.
// Offered whenever bank details are configured (always outside production: sandbox details).
import type { AppContext } from '../../../context.js';
import type { PaymentProvider } from '../types.js';

export const BANK_TRANSFER_PROVIDER_ID = 'bank_transfer';

export function bankTransferProvider(ctx: AppContext): PaymentProvider | null {
  if (!ctx.config.bankTransfer) return null;
  return {
    id: BANK_TRANSFER_PROVIDER_ID,
    method: 'bank_transfer',
    async startPayment() {
      return { providerRef: null, checkoutUrl: null, status: null };
    },
    async cancelPayment() {},
    async refund() {
      return { status: 'to_be_paid_by_operator', providerRef: null };
    },
  };
}
