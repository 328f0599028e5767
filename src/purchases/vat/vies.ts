// VIES, the European Commission's VAT Information Exchange System: is this VAT id registered?
// Optional (VIES_URL; off by default) and never in the way of a sale: no answer within
// VIES_TIMEOUT_MS, an HTTP error, or a member state's system not replying all come back as
// `unavailable`, and the purchase proceeds on the form check and is re-checked later
// (recheck.ts). Every consultation is stored in `vies_checks` with the consultation number VIES
// gives (`requestIdentifier`, returned when the issuer's own VAT id is sent as the requester).
//
// The REST API: POST {VIES_URL}/check-vat-number {countryCode, vatNumber, requesterMemberStateCode?,
// requesterNumber?} -> {valid, requestIdentifier, name, address, ...}; Greece is EL. A failure is
// a non-2xx answer, or an answer naming an error (`userError`, `errorWrappers[].error`) such as
// MS_UNAVAILABLE, TIMEOUT, SERVICE_UNAVAILABLE, MS_MAX_CONCURRENT_REQ.
import type { AppContext } from '../../context.js';
import type { Queryable } from '../../db/types.js';
import { metrics } from '../../metrics.js';
import type { ViesVerdict } from '../../pricing/tax.js';
import { newId } from '../ids.js';

export interface ViesCheck {
  id: string;
  vatId: string;
  outcome: ViesVerdict;
  requestIdentifier: string | null;
  traderName: string | null;
  traderAddress: string | null;
  error: string | null;
  checkedAt: Date;
}

interface ViesCheckRow {
  id: string;
  vat_id: string;
  outcome: ViesVerdict;
  request_identifier: string | null;
  trader_name: string | null;
  trader_address: string | null;
  error: string | null;
  checked_at: Date;
}

const toCheck = (row: ViesCheckRow): ViesCheck => ({
  id: row.id,
  vatId: row.vat_id,
  outcome: row.outcome,
  requestIdentifier: row.request_identifier,
  traderName: row.trader_name,
  traderAddress: row.trader_address,
  error: row.error,
  checkedAt: row.checked_at,
});

/** An answer of VIES is reused this long (a quote and the purchase made from it agree). */
export const VIES_ANSWER_REUSE_MS = 24 * 3_600_000;
/** No answer is reused this long, so a customer does not wait out the timeout at every quote. */
export const VIES_UNAVAILABLE_REUSE_MS = 60_000;

/** Errors VIES names for an invalid request rather than a missing answer. */
const INVALID_INPUT = new Set(['INVALID_INPUT', 'INVALID']);

type Answer = Omit<ViesCheck, 'id' | 'vatId' | 'checkedAt'>;

const unavailable = (error: string): Answer => ({
  outcome: 'unavailable',
  requestIdentifier: null,
  traderName: null,
  traderAddress: null,
  error: error.slice(0, 500),
});

const textOrNull = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 1000) : null;

/** The error VIES names in a JSON answer, if any. */
function namedError(body: Record<string, unknown>): string | null {
  const wrappers = body.errorWrappers;
  if (Array.isArray(wrappers)) {
    for (const wrapper of wrappers) {
      if (wrapper && typeof wrapper === 'object' && 'error' in wrapper && typeof wrapper.error === 'string') {
        return wrapper.error;
      }
    }
  }
  const user = body.userError;
  return typeof user === 'string' && user !== 'VALID' && user !== 'INVALID' ? user : null;
}

/** Asks VIES once; never throws for VIES's sake (every failure is `unavailable`). */
export async function askVies(
  config: { url: string; timeoutMs: number },
  vatId: string,
  requester: string | undefined,
): Promise<Answer> {
  const body: Record<string, string> = { countryCode: vatId.slice(0, 2), vatNumber: vatId.slice(2) };
  if (requester) {
    body.requesterMemberStateCode = requester.slice(0, 2);
    body.requesterNumber = requester.slice(2);
  }
  let response: Response;
  try {
    response = await fetch(`${config.url}/check-vat-number`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(config.timeoutMs),
    });
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    return unavailable(
      name === 'TimeoutError' ? `no answer within ${config.timeoutMs} ms` : `network: ${String(error)}`,
    );
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    return unavailable(`HTTP ${response.status} without a JSON body`);
  }
  const answer = json && typeof json === 'object' ? (json as Record<string, unknown>) : {};
  const error = namedError(answer);
  if (error && INVALID_INPUT.has(error)) {
    return { outcome: 'invalid', requestIdentifier: null, traderName: null, traderAddress: null, error };
  }
  if (!response.ok || error) return unavailable(error ?? `HTTP ${response.status}`);
  const valid = answer.valid ?? answer.isValid;
  if (typeof valid !== 'boolean') return unavailable('an answer without "valid"');
  return {
    outcome: valid ? 'valid' : 'invalid',
    requestIdentifier: textOrNull(answer.requestIdentifier),
    traderName: textOrNull(answer.name ?? answer.traderName),
    traderAddress: textOrNull(answer.address ?? answer.traderAddress),
    error: null,
  };
}

/** Stores a consultation of VIES. */
export async function recordViesCheck(
  q: Queryable,
  vatId: string,
  answer: Answer,
  at: Date,
): Promise<ViesCheck> {
  const { rows } = await q.query<ViesCheckRow>(
    `insert into vies_checks (id, vat_id, outcome, request_identifier, trader_name, trader_address, error, checked_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8) returning *`,
    [
      newId('vies'),
      vatId,
      answer.outcome,
      answer.requestIdentifier,
      answer.traderName,
      answer.traderAddress,
      answer.error,
      at,
    ],
  );
  const row = rows[0];
  if (!row) throw new Error('the vies_checks insert returned nothing');
  return toCheck(row);
}

/** The latest consultation about `vatId` still fit to reuse at `now`, if any. */
export async function recentViesCheck(q: Queryable, vatId: string, now: Date): Promise<ViesCheck | null> {
  const { rows } = await q.query<ViesCheckRow>(
    `select * from vies_checks
      where vat_id = $1 and checked_at > $2 and checked_at <= $3
        and (outcome <> 'unavailable' or checked_at > $4)
      order by checked_at desc, id desc limit 1`,
    [
      vatId,
      new Date(now.getTime() - VIES_ANSWER_REUSE_MS),
      now,
      new Date(now.getTime() - VIES_UNAVAILABLE_REUSE_MS),
    ],
  );
  return rows[0] ? toCheck(rows[0]) : null;
}

export async function getViesCheck(q: Queryable, id: string): Promise<ViesCheck | null> {
  const { rows } = await q.query<ViesCheckRow>('select * from vies_checks where id = $1', [id]);
  return rows[0] ? toCheck(rows[0]) : null;
}

/**
 * What VIES says about `vatId` now: a recent stored answer, else a fresh consultation (stored).
 * Null when VIES is not configured. Call it outside any transaction: it may wait for VIES.
 */
export async function verifyVatId(
  ctx: AppContext,
  vatId: string,
  { fresh = false } = {},
): Promise<ViesCheck | null> {
  const vies = ctx.config.vat.vies;
  if (!vies) return null;
  if (!fresh) {
    const recent = await recentViesCheck(ctx.db, vatId, ctx.now());
    if (recent) return recent;
  }
  const answer = await askVies(vies, vatId, ctx.config.issuer.vatId);
  metrics.viesChecks.inc({ outcome: answer.outcome });
  if (answer.outcome === 'unavailable')
    ctx.logger.warn({ vatId, error: answer.error }, 'VIES did not answer');
  return recordViesCheck(ctx.db, vatId, answer, ctx.now());
}
