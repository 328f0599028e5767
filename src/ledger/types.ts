// The ledger's vocabulary. Accounts and transfers follow TigerBeetle's model: four running
// totals per account, immutable transfers with client-chosen ids, holds that end once.

/** What a transfer is for; the transactions list shows it as the entry's type. */
export type TransferCode =
  | 'purchase'
  | 'consumption'
  | 'refund'
  | 'release'
  | 'adjustment'
  | 'grant'
  | 'auto_refill';
export const TRANSFER_CODES: readonly TransferCode[] = [
  'purchase',
  'consumption',
  'refund',
  'release',
  'adjustment',
  'grant',
  'auto_refill',
];

export type TransferKind = 'posted' | 'pending' | 'post' | 'void' | 'expire';

/** The system's own accounts. Each is sharded into SYSTEM_SHARDS rows (see accounts.ts). */
export type SystemAccount = 'sales' | 'consumption' | 'grants' | 'adjustments';

/** An account reference: a customer ledger account id, or a system account by name. */
export type AccountRef = string | { system: SystemAccount };

interface RequestBase {
  /** Client-chosen, unique forever. The same id again returns the first result. */
  id: string;
  code: TransferCode;
  reference?: string | null;
  description?: string | null;
}

/** Moves credits at once. */
export interface TransferRequest extends RequestBase {
  type: 'transfer';
  debit: AccountRef;
  credit: AccountRef;
  amount: bigint;
}

/** Reserves credits on the debit account until posted, voided or expired. */
export interface HoldRequest extends RequestBase {
  type: 'hold';
  debit: AccountRef;
  credit: AccountRef;
  amount: bigint;
  /** The worker voids the hold after this moment if it is still open. */
  timeoutAt?: Date | null;
}

/** Ends a hold by moving `amount` (default: all of it); the rest returns to the debit account. */
export interface PostRequest extends RequestBase {
  type: 'post';
  pendingId: string;
  amount?: bigint;
}

/** Ends a hold, returning everything it reserved. */
export interface VoidRequest extends RequestBase {
  type: 'void' | 'expire';
  pendingId: string;
}

export type LedgerRequest = TransferRequest | HoldRequest | PostRequest | VoidRequest;

export interface Transfer {
  seq: bigint;
  id: string;
  kind: TransferKind;
  debitAccountId: string;
  creditAccountId: string;
  amount: bigint;
  pendingId: string | null;
  code: TransferCode;
  reference: string | null;
  description: string | null;
  timeoutAt: Date | null;
  debitBalanceAfter: bigint;
  debitAvailableAfter: bigint;
  creditBalanceAfter: bigint;
  creditAvailableAfter: bigint;
  createdAt: Date;
}

export interface AccountTotals {
  id: string;
  kind: 'customer' | 'system';
  debitsPending: bigint;
  debitsPosted: bigint;
  creditsPending: bigint;
  creditsPosted: bigint;
}

export interface Balance {
  /** credits_posted - debits_posted */
  balance: bigint;
  /** debits_pending: what holds reserve */
  held: bigint;
  /** balance - held */
  available: bigint;
}

export type LedgerErrorCode =
  | 'insufficient_credit'
  | 'account_not_found'
  | 'pending_not_found'
  | 'pending_already_resolved'
  | 'post_exceeds_pending'
  | 'id_conflict'
  | 'limit_exceeded'
  | 'invalid_request';

/** An expected outcome of a ledger operation, typed so callers can branch on it. */
export class LedgerError extends Error {
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'LedgerError';
  }
}

export type ItemResult =
  | { ok: true; transfer: Transfer; replayed: boolean }
  | { ok: false; error: LedgerError };
