// What a bank-transfer order tells the customer: the operator's account (BANK_IBAN, BANK_BIC,
// BANK_BENEFICIARY), a creditor reference of its own, and a due date BANK_TRANSFER_DAYS away.
// Stored on the purchase when it is made, so what the customer was told never changes.
import type { Config } from '../../../config.js';
import type { BankTransferTerms } from '../../purchase.js';
import { newCreditorReference } from './creditor-reference.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export function bankTransferTerms(
  bank: NonNullable<Config['bankTransfer']>,
  now: Date,
  reference = newCreditorReference(),
): BankTransferTerms {
  // Due on the calendar day (UTC) `dueDays` from now; the order expires when that day ends.
  const due = new Date(now.getTime() + bank.dueDays * DAY_MS);
  const dueAt = new Date(Date.UTC(due.getUTCFullYear(), due.getUTCMonth(), due.getUTCDate()) + DAY_MS);
  return { reference, iban: bank.iban, bic: bank.bic, beneficiary: bank.beneficiary, dueAt };
}

/** The due date as printed (YYYY-MM-DD): the last day on which the transfer is on time. */
export function dueDateOf(terms: BankTransferTerms): string {
  return new Date(terms.dueAt.getTime() - DAY_MS).toISOString().slice(0, 10);
}
