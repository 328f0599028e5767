// Dispatch: claim due messages in batches sized to what the carriers may take now (a token
// bucket per carrier), hand each to its carrier, and settle it:
//
//   accepted              -> post the hold, `sent` (the settle writer: one transaction per
//                            account's batch, charge and status together)
//   refused for good      -> void the hold, `failed` (never charged)
//   refused for now       -> `queued` again with a back-off; `failed` and voided after
//                            MESSAGE_MAX_ATTEMPTS
//   no answer (timeout,   -> left `sending`: after its lease, reconciliation asks the carrier
//   connection lost)         whether it has the message (reconcile.ts), so it is never sent twice
//
// A message is submitted only while its lease has at least MESSAGE_SUBMIT_TIMEOUT_MS to run, so
// reconciliation never asks about a message still on its way to the carrier.
import type { AppContext } from '../context.js';
import type { SubmitResult } from './carriers/types.js';
import { type ClaimedMessage, claimDue } from './claim.js';
import { type Requeue, requeueMessages, retryDelayMs } from './requeue.js';
import { postRequest, voidRequest } from './settle.js';

export interface DispatchReport {
  claimed: number;
  sent: number;
  failed: number;
  retried: number;
  /** Submits without an answer, left to reconciliation. */
  unknown: number;
}

export interface DispatchOptions {
  /** Stop claiming new batches after this long (the batch in hand is finished). */
  budgetMs?: number;
  /** Asked before each new batch: a stopping worker finishes what it claimed and claims no more. */
  shouldStop?: () => boolean;
}

export async function dispatchDue(ctx: AppContext, options: DispatchOptions = {}): Promise<DispatchReport> {
  const { budgetMs = 2_000, shouldStop = () => false } = options;
  const messaging = ctx.messaging;
  const config = ctx.config.messaging;
  const report: DispatchReport = { claimed: 0, sent: 0, failed: 0, retried: 0, unknown: 0 };
  const started = performance.now();
  while (!shouldStop() && performance.now() - started < budgetMs) {
    const limit = Math.min(config.dispatchBatch, messaging.tokensAvailable());
    if (limit === 0) {
      await sleep(Math.min(messaging.msUntilTokens(), 100));
      continue;
    }
    const claimed = await claimDue(ctx.db, {
      now: ctx.now(),
      limit,
      leaseMs: config.leaseMs,
      route: (to) => messaging.carriers.route(to).id,
    });
    if (claimed.length === 0) break;
    report.claimed += claimed.length;
    const retries: Requeue[] = [];
    await forEachLimit(claimed, config.dispatchConcurrency, async (message) => {
      try {
        await handOff(ctx, message, report, retries);
      } catch (err) {
        // The settlement could not be written: the message stays `sending` for reconciliation.
        report.unknown++;
        ctx.logger.error({ err, messageId: message.id }, 'a dispatched message could not be settled');
      }
    });
    report.retried += await requeueMessages(ctx.db, retries, ctx.now());
    if (claimed.length < limit) break;
  }
  // Receipts that overtook this round's own records of the hand-offs.
  if (report.claimed > 0) await messaging.receipts.drain();
  return report;
}

async function handOff(
  ctx: AppContext,
  message: ClaimedMessage,
  report: DispatchReport,
  retries: Requeue[],
): Promise<void> {
  const messaging = ctx.messaging;
  const config = ctx.config.messaging;
  const carrier = messaging.carriers.byId(message.carrier) ?? messaging.carriers.route(message.to);
  await messaging.bucket(carrier).take();
  const now = ctx.now();
  if (now.getTime() + config.submitTimeoutMs >= message.leaseUntil.getTime()) {
    retries.push({
      messageId: message.id,
      attempt: message.attempt,
      nextAttemptAt: now,
      reason: 'not submitted: the claim was too old to submit safely',
    });
    return;
  }
  let result: SubmitResult | null;
  try {
    result = await withTimeout(
      carrier.submit({
        id: message.id,
        to: message.to,
        text: message.text,
        accountId: message.accountId,
        ...(message.sender === null ? {} : { from: message.sender }),
      }),
      config.submitTimeoutMs,
    );
  } catch (err) {
    ctx.logger.warn({ err, messageId: message.id, carrier: carrier.id }, 'submit failed without an answer');
    result = null;
  }
  if (result === null) {
    report.unknown++;
    return;
  }
  const at = ctx.now();
  if (result.ok) {
    const posted = await messaging.settle.submit(postRequest(message.id), message.accountId, {
      outcome: 'sent',
      messageId: message.id,
      attempt: message.attempt,
      at,
      carrier: carrier.id,
      carrierMessageId: result.carrierMessageId,
      detail: `accepted by ${carrier.id} as ${result.carrierMessageId}`,
    });
    if (posted.ok) report.sent++;
    else
      ctx.logger.error(
        { messageId: message.id, error: posted.error.message },
        'a sent message was not charged',
      );
    return;
  }
  if (result.permanent || message.attempt >= config.maxAttempts) {
    const reason = result.permanent
      ? `refused by ${carrier.id}: ${result.reason}`
      : `gave up after ${message.attempt} attempts: ${result.reason}`;
    const voided = await messaging.settle.submit(voidRequest(message.id), message.accountId, {
      outcome: 'failed',
      messageId: message.id,
      attempt: message.attempt,
      at,
      reason,
    });
    if (voided.ok) report.failed++;
    else
      ctx.logger.error(
        { messageId: message.id, error: voided.error.message },
        'a failed message was not released',
      );
    return;
  }
  retries.push({
    messageId: message.id,
    attempt: message.attempt,
    nextAttemptAt: new Date(at.getTime() + retryDelayMs(message.attempt, config.retryBaseMs)),
    reason: `${carrier.id}: ${result.reason}`,
  });
}

/** The promise's value, or null when it takes longer than `ms`. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let item = items[next++]; item !== undefined; item = items[next++]) await fn(item);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
