// Corrections by operator staff: credits added to or taken from an account by hand, with the
// reason and who did it (credit_adjustments), moved by the ledger transfer `adjustment:<id>`
// against the system account `adjustments`. Taking credits never takes more than is available:
// the ledger's no-overdraft rule refuses it (402 insufficient_credit with required/available).
import type { AppContext } from '../context.js';
import { AppError, notFound, validationFailed } from '../http/errors.js';
import { AmountError, assertTransferAmount, formatCredits } from '../ledger/amounts.js';
import { LedgerError } from '../ledger/types.js';
import { emitCreditArrived, newId } from '../purchases/index.js';

export interface Adjustment {
  id: string;
  accountId: string;
  /** Signed micro-credits. */
  micros: bigint;
  reason: string;
  transferId: string;
  createdBy: string;
  createdAt: Date;
}

export async function adjustCredits(
  ctx: AppContext,
  accountId: string,
  { micros, reason, createdBy }: { micros: bigint; reason: string; createdBy: string },
): Promise<Adjustment> {
  const amount = micros < 0n ? -micros : micros;
  try {
    assertTransferAmount(amount);
  } catch (error) {
    if (error instanceof AmountError)
      throw validationFailed([{ path: 'body.credits', message: error.message }]);
    throw error;
  }
  const id = newId('adj');
  const transferId = `adjustment:${id}`;
  const adjustment = await ctx.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>('select id from accounts where id = $1', [accountId]);
    if (rows.length === 0) throw notFound('account');
    try {
      await ctx.ledger.apply(
        [
          {
            type: 'transfer',
            id: transferId,
            debit: micros > 0n ? { system: 'adjustments' } : accountId,
            credit: micros > 0n ? accountId : { system: 'adjustments' },
            amount,
            code: 'adjustment',
            reference: id,
            description: reason,
          },
        ],
        tx,
      );
    } catch (error) {
      if (error instanceof LedgerError && error.code === 'insufficient_credit') {
        throw new AppError(
          'insufficient_credit',
          `The account has less than ${formatCredits(amount)} credits available; an adjustment never takes it below zero`,
          error.details,
        );
      }
      if (error instanceof LedgerError && error.code === 'limit_exceeded') {
        throw new AppError(
          'conflict',
          `The adjustment would take the account past the ledger's limit: ${error.message}`,
          error.details,
        );
      }
      throw error;
    }
    const now = ctx.now();
    await tx.query(
      `insert into credit_adjustments (id, account_id, credits_micros, reason, transfer_id, created_by, created_at)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [id, accountId, micros.toString(), reason, transferId, createdBy, now],
    );
    return { id, accountId, micros, reason, transferId, createdBy, createdAt: now };
  });
  if (micros > 0n) emitCreditArrived(ctx, { accountId, micros, source: transferId });
  return adjustment;
}
