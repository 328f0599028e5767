// A single send (POST /messages): checked and priced, then its hold goes through the
// messages' batched writer, and the message row is written by the same statement as the hold
// (the writer's companion), so a message is stored exactly when its credits are reserved.
// Short of credit, the caller chose: `reject` stores nothing and answers 402; `queue` stores
// the message as waiting_credit with no hold, and it goes out when credit arrives.
import type { AccountStanding } from '../accounts/api-keys.js';
import { assertActive, assertCanTransact } from '../accounts/guards.js';
import type { AppContext } from '../context.js';
import { AppError, validationFailed } from '../http/errors.js';
import type { DecidedItem } from '../ledger/batched-writer.js';
import type { Companion } from '../ledger/engine.js';
import type { LedgerRequest } from '../ledger/types.js';
import { countMessages } from '../metrics.js';
import { type ComposeInput, compose } from './compose.js';
import { holdTransferId, messageIdForKey, newMessageId } from './ids.js';
import { type NewMessage, newMessageCtes } from './store.js';

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

/**
 * The writer's companion: the batch's accepted (and queued-when-short) messages, inserted by the
 * statement that inserts their holds. A new message is scheduled, queued or waiting_credit,
 * none of which a webhook tells, so nothing is queued for webhooks.
 */
export function decidedMessages(items: DecidedItem<AcceptExtra>[]): Companion | null {
  const rows: NewMessage[] = [];
  for (const { result, extra } of items) {
    if (!extra) continue;
    if (result.ok) {
      rows.push(extra.message);
    } else if (result.error.code === 'insufficient_credit' && extra.queueIfShort) {
      rows.push({ ...extra.message, status: 'waiting_credit', holdId: null, nextAttemptAt: null });
    }
  }
  if (rows.length === 0) return null;
  return { ctes: (param) => newMessageCtes(rows, param), written: false };
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
    alphabetFor: ctx.messaging.alphabetFor,
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
    if (!result.replayed) countMessages(message.status);
    ctx.messaging.wake();
    return answer(message.status);
  }
  if (result.error.code === 'insufficient_credit') {
    if (queueIfShort) {
      countMessages('waiting_credit');
      return answer('waiting_credit');
    }
    throw new AppError('insufficient_credit', 'Not enough available credit to send this message', {
      required: result.error.details.required,
      available: result.error.details.available,
    });
  }
  throw result.error;
}
