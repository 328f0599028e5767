// Sending enqueued webhook events: due deliveries are claimed with a lease (so several workers
// never send one twice at once), POSTed as JSON with the account's current URL and signature,
// and settled: a 2xx is delivered; anything else (an error status, a timeout, no connection)
// is tried again after WEBHOOK_RETRY_BASE_MS × 2^(attempt − 1) (at most an hour), until
// WEBHOOK_MAX_ATTEMPTS, then failed. Receivers get the event at least once and dedupe by its id.
// Unless WEBHOOK_PRIVATE_ADDRESSES=allow, a URL written with an address that is not public fails
// at once; a host name is resolved and checked before each attempt and the connection goes to a
// checked address (see address.ts); a name that resolves to no public address is retried like
// any other failure, with a message that does not tell what it resolved to.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AppContext } from '../../context.js';
import { metrics } from '../../metrics.js';
import {
  checkedLookup,
  isPublicAddress,
  literalAddress,
  PrivateAddressError,
  resolvePublic,
} from './address.js';
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
        metrics.webhookDeliveries.inc({ outcome: outcome === 'retried' ? 'retry' : outcome });
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
  let final = false;
  try {
    code = await post(
      new URL(row.url),
      {
        'content-type': 'application/json',
        'user-agent': `Tollgate/${ctx.version}`,
        [SIGNATURE_HEADER]: signWebhook(row.secret, row.payload, Math.floor(ctx.now().getTime() / 1000)),
      },
      row.payload,
      timeoutMs,
      ctx.config.campaigns.webhookPrivateAddresses !== 'allow',
    );
    if (code >= 200 && code < 300) {
      await settle(ctx, row, { ok: true, code, error: null, final: true });
      return 'delivered';
    }
    error = `answered ${code}`;
  } catch (err) {
    // An address written in the URL will not change: no point in trying it again.
    final = err instanceof PrivateAddressError && err.literal;
    error = err instanceof WebhookTimeout ? `no answer within ${timeoutMs} ms` : describe(err);
  }
  final ||= row.attempts >= ctx.config.campaigns.webhookMaxAttempts;
  await settle(ctx, row, { ok: false, code, error, final });
  return final ? 'failed' : 'retried';
}

class WebhookTimeout extends Error {}

/**
 * POSTs the body and answers the status code (redirects are not followed). With `publicOnly`,
 * an address in the URL must be public, and a host name must resolve to public addresses only;
 * the socket then connects to one of the addresses checked.
 */
export async function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  publicOnly: boolean,
): Promise<number> {
  const address = literalAddress(url.hostname);
  if (publicOnly && address !== null && !isPublicAddress(address)) {
    throw new PrivateAddressError(url.hostname, true);
  }
  const lookup =
    publicOnly && address === null
      ? checkedLookup(await withinTime(resolvePublic(url.hostname), timeoutMs))
      : undefined;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, lookup },
      (res) => {
        clearTimeout(timer);
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    const timer = setTimeout(() => req.destroy(new WebhookTimeout()), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}

function withinTime<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new WebhookTimeout()), timeoutMs);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
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
