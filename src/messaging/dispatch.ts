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
// When fewer messages are due than a claim could take, the next reserved chunk of a started
// campaign becomes messages (campaigns/materialise.ts), so a large campaign is turned into
// message rows only as fast as the carriers take them.
import type { AppContext } from '../context.js';
import { countMessages, metrics } from '../metrics.js';
import { withTimeout } from '../timeout.js';
import { feedChunk } from './campaigns/materialise.js';
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
  // Pipelined: the next batch is claimed while the last one is with the carrier and being
  // settled. At most a batch plus the submits in flight are claimed and unfinished at once, so
  // a claim does not wait long for its turn (its lease keeps running).
  const submits = new Semaphore(config.dispatchConcurrency);
  const maxUnfinished = config.dispatchBatch + config.dispatchConcurrency;
  const batches = new Set<Promise<void>>();
  let unfinished = 0;
  // Claimed messages that have not taken their carrier's token yet: the buckets do not count
  // them, so the next claim must.
  let untaken = 0;
  let claimError: unknown = null;
  let changed: (() => void) | null = null;
  const somethingChanged = () =>
    new Promise<void>((resolve) => {
      changed = resolve;
    });
  const notify = () => {
    const resolve = changed;
    changed = null;
    resolve?.();
  };
  while (!shouldStop() && performance.now() - started < budgetMs) {
    const room = maxUnfinished - unfinished;
    const tokens = messaging.tokensAvailable() - untaken;
    const limit = Math.max(0, Math.min(config.dispatchBatch, tokens, room));
    if (limit === 0) {
      if (room <= 0 || (untaken > 0 && batches.size > 0)) await somethingChanged();
      else await sleep(Math.min(messaging.msUntilTokens(), 100));
      continue;
    }
    let claimed: ClaimedMessage[];
    try {
      claimed = await claimDue(ctx.db, {
        now: ctx.now(),
        limit,
        leaseMs: config.leaseMs,
        route: (to) => messaging.carriers.route(to).id,
      });
    } catch (err) {
      claimError = err;
      break;
    }
    if (claimed.length === 0) {
      // Nothing due: a started campaign's next reserved chunk becomes messages, if there is one.
      if (await feedNext(ctx)) continue;
      break;
    }
    report.claimed += claimed.length;
    unfinished += claimed.length;
    untaken += claimed.length;
    const batch = settleBatch(ctx, claimed, report, submits, () => {
      untaken--;
    }).finally(() => {
      unfinished -= claimed.length;
      batches.delete(batch);
      notify();
    });
    batches.add(batch);
    if (claimed.length < limit && !(await feedNext(ctx))) break;
  }
  while (batches.size > 0) await Promise.all(batches);
  if (claimError !== null) throw claimError;
  // Receipts that overtook this round's own records of the hand-offs.
  if (report.claimed > 0) await messaging.receipts.drain();
  return report;
}

/** Feeds a reserved campaign chunk; a failure is logged and left for the next round. */
async function feedNext(ctx: AppContext): Promise<boolean> {
  try {
    return (await feedChunk(ctx)) > 0;
  } catch (err) {
    ctx.logger.error({ err }, 'a reserved campaign chunk could not be fed');
    return false;
  }
}

/** Hands a claimed batch to its carriers and settles each message; never throws. */
async function settleBatch(
  ctx: AppContext,
  claimed: readonly ClaimedMessage[],
  report: DispatchReport,
  submits: Semaphore,
  tokenTaken: () => void,
): Promise<void> {
  const retries: Requeue[] = [];
  await Promise.all(
    claimed.map(async (message) => {
      let taken = false;
      const took = () => {
        if (!taken) tokenTaken();
        taken = true;
      };
      try {
        await handOff(ctx, message, report, retries, submits, took);
      } catch (err) {
        // The settlement could not be written: the message stays `sending` for reconciliation.
        report.unknown++;
        ctx.logger.error({ err, messageId: message.id }, 'a dispatched message could not be settled');
      } finally {
        took();
      }
    }),
  );
  try {
    report.retried += await requeueMessages(ctx.db, retries, ctx.now());
  } catch (err) {
    // Left `sending`: reconciliation finds the carrier never got them and queues them again.
    ctx.logger.error({ err, messages: retries.length }, 'messages to retry could not be queued again');
  }
}

async function handOff(
  ctx: AppContext,
  message: ClaimedMessage,
  report: DispatchReport,
  retries: Requeue[],
  submits: Semaphore,
  tokenTaken: () => void,
): Promise<void> {
  const messaging = ctx.messaging;
  const config = ctx.config.messaging;
  const carrier = messaging.carriers.byId(message.carrier) ?? messaging.carriers.route(message.to);
  // A submit slot is held from the token to the carrier's answer; the settlement runs after.
  const release = await submits.acquire();
  let result: SubmitResult | null;
  try {
    // A carrier that counts parts (SMPP: submit_sm a second) gives a token per part.
    const token = messaging.bucket(carrier).take(carrier.throughputCounts === 'parts' ? message.segments : 1);
    tokenTaken();
    await token;
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
    // Its receipt may overtake the record of this hand-off: the inbox applies it once settled.
    messaging.receipts.expect(message.id);
    const submitted = performance.now();
    try {
      result = await withTimeout(
        carrier.submit({
          id: message.id,
          to: message.to,
          text: message.text,
          accountId: message.accountId,
          encoding: message.encoding,
          ...(message.sender === null ? {} : { from: message.sender }),
          ...(message.progress === null ? {} : { progress: message.progress }),
        }),
        config.submitTimeoutMs,
      );
    } catch (err) {
      ctx.logger.warn({ err, messageId: message.id, carrier: carrier.id }, 'submit failed without an answer');
      result = null;
    }
    metrics.carrierSubmitDuration.observe(
      { carrier: carrier.id, outcome: submitOutcome(result) },
      (performance.now() - submitted) / 1000,
    );
  } finally {
    release();
  }
  try {
    await settleOne(ctx, message, carrier.id, result, report, retries);
  } finally {
    messaging.receipts.settled(message.id);
  }
}

/** Records the carrier's answer: post + `sent`, void + `failed`, a retry, or nothing (no answer). */
async function settleOne(
  ctx: AppContext,
  message: ClaimedMessage,
  carrierId: string,
  result: SubmitResult | null,
  report: DispatchReport,
  retries: Requeue[],
): Promise<void> {
  const messaging = ctx.messaging;
  const config = ctx.config.messaging;
  const carrier = { id: carrierId };
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
    if (posted.ok) {
      report.sent++;
      if (!posted.replayed) countMessages('sent', 1, carrier.id);
    } else
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
    if (voided.ok) {
      report.failed++;
      if (!voided.replayed) countMessages('failed', 1, carrier.id);
    } else
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
    progress: result.progress,
  });
}

function submitOutcome(result: SubmitResult | null): string {
  if (result === null) return 'no_answer';
  if (result.ok) return 'accepted';
  return result.permanent ? 'refused' : 'retry';
}

/** At most `limit` holders at once, served in arrival order. */
class Semaphore {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.free = limit;
  }

  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
