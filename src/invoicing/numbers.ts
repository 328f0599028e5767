// Invoice numbers: gapless and strictly increasing per series and year (TG-2026-000123).
// A block is taken with one upsert of the series' counter in the issuing transaction; the
// counter's row stays locked until that transaction ends, so a concurrent issuer waits and then
// continues after the block, and a rollback returns the block: no number is used twice or skipped.
import type { Queryable } from '../db/types.js';

/** Takes `count` numbers of a series and year; returns the first (the block is first…first+count-1). */
export async function reserveNumbers(
  tx: Queryable,
  series: string,
  year: number,
  count: number,
): Promise<number> {
  if (count <= 0) throw new Error('reserveNumbers needs a count of at least 1');
  const { rows } = await tx.query<{ last_number: number }>(
    `insert into invoice_sequences (series, year, last_number) values ($1, $2, $3)
     on conflict (series, year) do update set last_number = invoice_sequences.last_number + excluded.last_number
     returning last_number`,
    [series, year, count],
  );
  const last = rows[0]?.last_number;
  if (last === undefined) throw new Error('the invoice counter returned nothing');
  return Number(last) - count + 1;
}

export function formatInvoiceNumber(series: string, year: number, seq: number): string {
  return `${series}-${year}-${String(seq).padStart(6, '0')}`;
}
