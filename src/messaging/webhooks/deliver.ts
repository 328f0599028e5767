// Sending enqueued webhook events: due deliveries are claimed with a lease (so several workers
// never send one twice at once), POSTed as JSON with the account's current URL and signature,
// and settled: a 2xx is delivered; anything else (an error status, a timeout, no connection)
// is tried again after WEBHOOK_RETRY_BASE_MS × 2^(attempt − 1) (at most an hour), until
// WEBHOOK_MAX_ATTEMPTS, then failed. Receivers get the event at least once and dedupe by its id.
import type { AppContext } from '../../context.js';
import { SIGNATURE_HEADER, signWebhook } from './signature.js';

const CLAIM_BATCH = 100;
const CONCURRENCY = 10;
const MAX_DELAY_MS = 3_600_000;

interface Claimed {
  id: string;
  payload: string;
  attempts: number;
  url: string | null;
  secret: string | null;
}

export interface DeliveryReport {
  claimed: number;
  delivered: number;
  retried: number;
  failed: number;
}

export async function deliverDueWebhooks(ctx: AppContext): Promise<DeliveryReport> {
  const { webhookTimeoutMs: timeoutMs } = ctx.config.campaigns;
  const now = ctx.now();
  const { rows } = await ctx.db.query<Claimed>(
    `with due as (
       select id from webhook_deliveries
        where status = 'pending' and next_attempt_at <= $1 and (lease_until is null or lease_until < $1)
        order by next_attempt_at limit $2 for update skip locked)
     update webhook_deliveries d set attempts = d.attempts + 1, lease_until = $3
       from due where d.id = due.id
     returning d.id, d.payload, d.attempts,
       (select w.url from message_webhooks w where w.account_id = d.account_id) as url,
       (select w.secret from message_webhooks w where w.account_id = d.account_id) as secret`,
    [now, CLAIM_BATCH, new Date(now.getTime() + timeoutMs * 3)],
  );
  const report: DeliveryReport = { claimed: rows.length, delivered: 0, retried: 0, failed: 0 };
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, rows.length) }, async () => {
      for (let row = rows[next++]; row; row = rows[next++]) {
        const outcome = await attempt(ctx, row, timeoutMs);
        report[outcome]++;
      }
    }),
  );
  return report;
}

async function attempt(
  ctx: AppContext,
  row: Claimed,
  timeoutMs: number,
): Promise<'delivered' | 'retried' | 'failed'> {
  if (!row.url || !row.secret) {
    await settle(ctx, row, { ok: false, code: null, error: 'the webhook was removed', final: true });
    return 'failed';
  }
  let code: number | null = null;
  let error: string | null = null;
  try {
    const response = await fetch(row.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': `Tollgate/${ctx.version}`,
        [SIGNATURE_HEADER]: signWebhook(row.secret, row.payload, Math.floor(ctx.now().getTime() / 1000)),
      },
      body: row.payload,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    code = response.status;
    await response.body?.cancel().catch(() => undefined);
    if (code >= 200 && code < 300) {
      await settle(ctx, row, { ok: true, code, error: null, final: true });
      return 'delivered';
    }
    error = `answered ${code}`;
  } catch (err) {
    error =
      err instanceof Error && err.name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : describe(err);
  }
  const final = row.attempts >= ctx.config.campaigns.webhookMaxAttempts;
  await settle(ctx, row, { ok: false, code, error, final });
  return final ? 'failed' : 'retried';
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`.slice(0, 500);
  }
  return 'the request failed';
}

async function settle(
  ctx: AppContext,
  row: Claimed,
  outcome: { ok: boolean; code: number | null; error: string | null; final: boolean },
): Promise<void> {
  const now = ctx.now();
  const delay = Math.min(
    MAX_DELAY_MS,
    ctx.config.campaigns.webhookRetryBaseMs * 2 ** Math.max(0, row.attempts - 1),
  );
  await ctx.db.query(
    `update webhook_deliveries
        set status = $2, last_status_code = $3, last_error = $4, lease_until = null,
            next_attempt_at = $5, delivered_at = $6
      where id = $1 and status = 'pending'`,
    [
      row.id,
      outcome.ok ? 'delivered' : outcome.final ? 'failed' : 'pending',
      outcome.code,
      outcome.error,
      outcome.final ? null : new Date(now.getTime() + delay),
      outcome.ok ? now : null,
    ],
  );
}
