// A single send (POST /messages): checked and priced, then its hold goes through the
// messages' batched writer, and the message row is written in the same transaction as the
// hold (the writer's onDecided), so a message is stored exactly when its credits are reserved.
// Short of credit, the caller chose: `reject` stores nothing and answers 402; `queue` stores
// the message as waiting_credit with no hold, and it goes out when credit arrives.
import type { AccountStanding } from '../accounts/api-keys.js';
import { assertActive, assertCanTransact } from '../accounts/guards.js';
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/types.js';
import { AppError, validationFailed } from '../http/errors.js';
import type { DecidedItem } from '../ledger/batched-writer.js';
import type { LedgerRequest } from '../ledger/types.js';
import { type ComposeInput, compose } from './compose.js';
import { holdTransferId, messageIdForKey, newMessageId } from './ids.js';
import { insertMessages, type NewMessage } from './store.js';

export interface SendRequest extends ComposeInput {
  onInsufficientCredit?: 'reject' | 'queue' | undefined;
}

export interface SendResult {
  id: string;
  status: 'scheduled' | 'queued' | 'waiting_credit';
  to: string;
  country: string;
  encoding: NewMessage['encoding'];
  segments: number;
  credits: bigint;
}

/** What travels with a hold through the writer to the batch's transaction. */
export interface AcceptExtra {
  message: NewMessage;
  /** Store it as waiting_credit when the hold is refused for lack of credit. */
  queueIfShort: boolean;
}

export function holdRequest(message: Pick<NewMessage, 'id' | 'accountId' | 'credits' | 'to'>): LedgerRequest {
  return {
    type: 'hold',
    id: holdTransferId(message.id),
    debit: message.accountId,
    credit: { system: 'consumption' },
    amount: message.credits,
    code: 'consumption',
    reference: message.id,
    description: `SMS to ${message.to}`,
  };
}

/** The writer's onDecided: the batch's accepted (and queued-when-short) messages, one insert. */
export async function storeDecidedMessages(tx: Queryable, items: DecidedItem<AcceptExtra>[]): Promise<void> {
  const rows: NewMessage[] = [];
  for (const { result, extra } of items) {
    if (!extra) continue;
    if (result.ok) {
      rows.push(extra.message);
    } else if (result.error.code === 'insufficient_credit' && extra.queueIfShort) {
      rows.push({ ...extra.message, status: 'waiting_credit', holdId: null, nextAttemptAt: null });
    }
  }
  await insertMessages(tx, rows);
}

export async function sendMessage(
  ctx: AppContext,
  accountId: string,
  input: SendRequest,
  {
    idempotencyKey = null as string | null,
    account = undefined as AccountStanding | undefined,
  }: {
    idempotencyKey?: string | null;
    /** The account's status and default country as the request's credentials read them; read here when absent. */
    account?: AccountStanding | undefined;
  } = {},
): Promise<SendResult> {
  let standing: AccountStanding;
  if (account) {
    assertActive(account.status);
    standing = account;
  } else {
    const loaded = await assertCanTransact(ctx.db, accountId);
    standing = { status: loaded.status, country: loaded.preferences.country };
  }
  const now = ctx.now();
  const composed = compose(input, {
    defaultCountry: standing.country,
    prices: await ctx.messaging.prices(),
    maxParts: ctx.config.messaging.maxParts,
    now,
  });
  if (!composed.ok) throw validationFailed(composed.fields, 'The message cannot be sent as it is');
  const id = idempotencyKey === null ? newMessageId() : messageIdForKey(accountId, idempotencyKey);
  const scheduled = composed.message.scheduleAt !== null;
  const message: NewMessage = {
    ...composed.message,
    id,
    accountId,
    campaignId: null,
    status: scheduled ? 'scheduled' : 'queued',
    holdId: holdTransferId(id),
    nextAttemptAt: composed.message.scheduleAt ?? now,
    createdAt: now,
  };
  const queueIfShort = input.onInsufficientCredit === 'queue';
  const result = await ctx.messaging.accept.submit(holdRequest(message), accountId, {
    message,
    queueIfShort,
  });
  const answer = (status: SendResult['status']): SendResult => ({
    id,
    status,
    to: message.to,
    country: message.country,
    encoding: message.encoding,
    segments: message.segments,
    credits: message.credits,
  });
  if (result.ok) {
    ctx.messaging.wake();
    return answer(message.status);
  }
  if (result.error.code === 'insufficient_credit') {
    if (queueIfShort) return answer('waiting_credit');
    throw new AppError('insufficient_credit', 'Not enough available credit to send this message', {
      required: result.error.details.required,
      available: result.error.details.available,
    });
  }
  throw result.error;
}
