// Purchases whose reverse charge rests on the form check alone, because VIES did not answer when
// they were made, are asked about again later: every VIES_RECHECK_BASE_MS, doubling per attempt
// (at most a day apart), up to VIES_RECHECK_MAX_ATTEMPTS. The answer is stored with the purchase
// (its consultation number too). An id VIES now calls invalid does not change the purchase (the
// customer paid its total): the purchase is flagged `invalidAfterPurchase` and listed for the
// operator, who corrects it with a refund and a new purchase if need be. Safe with several
// workers: each purchase is claimed (its next re-check moved on by a lease) before VIES is asked.
import type { AppContext } from '../../context.js';
import { verifyVatId } from './vies.js';

export const VIES_RECHECK_BASE_MS = 10 * 60_000;
export const VIES_RECHECK_MAX_MS = 24 * 3_600_000;
export const VIES_RECHECK_MAX_ATTEMPTS = 20;
/** How long a claimed purchase is left alone by other workers while VIES is asked. */
const CLAIM_LEASE_MS = 5 * 60_000;

/** When a purchase whose VIES check failed `attempts` times is asked about next. */
export function viesRecheckAt(now: Date, attempts: number): Date {
  const delay = Math.min(VIES_RECHECK_BASE_MS * 2 ** Math.min(attempts, 20), VIES_RECHECK_MAX_MS);
  return new Date(now.getTime() + delay);
}

export interface RecheckResult {
  checked: number;
  valid: number;
  invalid: number;
  unavailable: number;
}

export async function recheckVatIds(ctx: AppContext, { limit = 50 } = {}): Promise<RecheckResult> {
  const result: RecheckResult = { checked: 0, valid: 0, invalid: 0, unavailable: 0 };
  if (!ctx.config.vat.vies) return result;
  const now = ctx.now();
  const { rows } = await ctx.db.query<{ id: string }>(
    `select id from purchases where vies_recheck_at <= $1 order by vies_recheck_at, id limit $2`,
    [now, limit],
  );
  for (const { id } of rows) {
    const claimed = await ctx.db.query<{ tax_vat_id: string | null; vies_recheck_attempts: number }>(
      `update purchases set vies_recheck_at = $3
        where id = $1 and vies_recheck_at <= $2 and vies_status = 'unavailable'
        returning tax_vat_id, vies_recheck_attempts`,
      [id, now, new Date(now.getTime() + CLAIM_LEASE_MS)],
    );
    const row = claimed.rows[0];
    if (!row) continue;
    if (!row.tax_vat_id) {
      await ctx.db.query('update purchases set vies_recheck_at = null where id = $1', [id]);
      continue;
    }
    const check = await verifyVatId(ctx, row.tax_vat_id);
    if (!check) return result;
    const attempts = row.vies_recheck_attempts + 1;
    const next =
      check.outcome === 'unavailable' && attempts < VIES_RECHECK_MAX_ATTEMPTS
        ? viesRecheckAt(ctx.now(), attempts)
        : null;
    await ctx.db.query(
      `update purchases
          set vies_status = $2, vies_check_id = $3, vies_request_identifier = $4, vies_checked_at = $5,
              vies_recheck_at = $6, vies_recheck_attempts = $7, vies_invalid_after_purchase = $8, updated_at = $9
        where id = $1 and vies_status = 'unavailable'`,
      [
        id,
        check.outcome,
        check.id,
        check.requestIdentifier,
        check.checkedAt,
        next,
        attempts,
        check.outcome === 'invalid',
        ctx.now(),
      ],
    );
    result.checked += 1;
    result[check.outcome] += 1;
    if (check.outcome === 'invalid') {
      ctx.logger.warn(
        { purchaseId: id, vatId: row.tax_vat_id },
        'VIES calls the VAT id of a reverse-charged purchase invalid',
      );
    }
  }
  return result;
}
