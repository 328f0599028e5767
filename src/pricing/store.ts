// The pricing room's storage: the destination price list and the per-currency price tables in
// the database (migrations/0004_pricing.sql), seeded from this room's defaults on first use, and
// the destination index every process keeps in memory. Unlike the pure modules beside it, this
// file may import db/ and the context; it still imports no other domain.
//
//   const index = await destinationIndex(ctx);   // fresh: reloaded when another process changed it
//   const index = currentDestinationIndex(ctx);  // what this process holds now (sync, per message)
import type { AppContext } from '../context.js';
import type { Db, Queryable } from '../db/types.js';
import { defaultDestinationRules } from './default-destinations.js';
import { DEFAULT_PRICE_TABLES } from './default-packs.js';
import { type DestinationRule, DestinationIndex } from './destinations.js';
import { CURRENCIES, type Currency, isCurrency } from './money.js';
import { type CheckedPriceTable, type PriceTable, validatePriceTable } from './tiers.js';

const SEED_LOCK = 7_261_004;
/** How stale this process's index may be before it asks the database for the version. */
const CHECK_EVERY_MS = 2_000;

interface Cache {
  seeded: Promise<void> | undefined;
  index: DestinationIndex | undefined;
  version: bigint;
  checkedAt: number;
  loading: Promise<DestinationIndex> | undefined;
}

const caches = new WeakMap<Db, Cache>();

function cacheOf(db: Db): Cache {
  let cache = caches.get(db);
  if (!cache) {
    cache = { seeded: undefined, index: undefined, version: -1n, checkedAt: 0, loading: undefined };
    caches.set(db, cache);
  }
  return cache;
}

/**
 * Fills empty pricing tables with the defaults (once per database; safe with several processes
 * starting together). An operator's list is never overwritten: the price list cannot be emptied.
 */
export function ensurePricingSeeded(db: Db): Promise<void> {
  const cache = cacheOf(db);
  cache.seeded ??= seed(db).catch((error: unknown) => {
    cache.seeded = undefined;
    throw error;
  });
  return cache.seeded;
}

async function seed(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [SEED_LOCK]);
    const { rows } = await tx.query<{ version: bigint }>(
      `select version from pricing_versions where name = 'destinations'`,
    );
    if ((rows[0]?.version ?? 0n) === 0n) await writeDestinations(tx, defaultDestinationRules());
    const present = await tx.query<{ currency: string }>('select currency from pricing_tables');
    const have = new Set(present.rows.map((row) => row.currency));
    for (const currency of CURRENCIES) {
      if (have.has(currency)) continue;
      const checked = validatePriceTable(DEFAULT_PRICE_TABLES[currency]);
      if (!checked.ok) throw new Error(`default ${currency} price table is invalid`);
      await writePriceTable(tx, checked.table);
    }
  });
}

async function writeDestinations(tx: Queryable, rules: readonly DestinationRule[]): Promise<bigint> {
  await tx.query('delete from pricing_destinations');
  await tx.query(
    `insert into pricing_destinations (country, prefix, micros_per_segment)
     select * from unnest($1::text[], $2::text[], $3::bigint[])`,
    [
      rules.map((rule) => rule.country),
      rules.map((rule) => rule.prefix ?? ''),
      rules.map((rule) => rule.microsPerSegment.toString()),
    ],
  );
  const { rows } = await tx.query<{ version: bigint }>(
    `update pricing_versions set version = version + 1, updated_at = now()
      where name = 'destinations' returning version`,
  );
  return rows[0]?.version ?? 0n;
}

async function readDestinations(q: Queryable): Promise<{ rules: DestinationRule[]; version: bigint }> {
  const { rows } = await q.query<{ country: string; prefix: string; micros_per_segment: bigint }>(
    'select country, prefix, micros_per_segment from pricing_destinations order by country, prefix',
  );
  const version = await q.query<{ version: bigint }>(
    `select version from pricing_versions where name = 'destinations'`,
  );
  const rules = rows.map((row) => ({
    // Written only through validateDestinationRows, so the codes are libphonenumber's own.
    country: row.country as DestinationRule['country'],
    prefix: row.prefix === '' ? undefined : row.prefix,
    microsPerSegment: row.micros_per_segment,
  }));
  return { rules, version: version.rows[0]?.version ?? 0n };
}

/** Replaces the whole price list in one transaction and refreshes this process's index. */
export async function replaceDestinations(
  ctx: AppContext,
  rules: readonly DestinationRule[],
): Promise<DestinationIndex> {
  await ensurePricingSeeded(ctx.db);
  const version = await ctx.db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [SEED_LOCK]);
    return writeDestinations(tx, rules);
  });
  const cache = cacheOf(ctx.db);
  const index = new DestinationIndex(rules);
  if (version > cache.version) {
    cache.index = index;
    cache.version = version;
    cache.checkedAt = performance.now();
  }
  return index;
}

/**
 * The price list as an index, at most CHECK_EVERY_MS behind the database: a change made by any
 * process is picked up on the next call after that.
 */
export async function destinationIndex(ctx: AppContext): Promise<DestinationIndex> {
  const cache = cacheOf(ctx.db);
  if (cache.index && performance.now() - cache.checkedAt < CHECK_EVERY_MS) return cache.index;
  cache.loading ??= (async () => {
    try {
      await ensurePricingSeeded(ctx.db);
      const { rows } = await ctx.db.query<{ version: bigint }>(
        `select version from pricing_versions where name = 'destinations'`,
      );
      const version = rows[0]?.version ?? 0n;
      if (!cache.index || version !== cache.version) {
        const loaded = await readDestinations(ctx.db);
        cache.index = new DestinationIndex(loaded.rules);
        cache.version = loaded.version;
      }
      cache.checkedAt = performance.now();
      return cache.index;
    } finally {
      cache.loading = undefined;
    }
  })();
  return cache.loading;
}

/**
 * The index this process holds now, without touching the database (undefined before the first
 * destinationIndex call). For per-message pricing on the hot path; refresh with destinationIndex.
 */
export function currentDestinationIndex(ctx: AppContext): DestinationIndex | undefined {
  return cacheOf(ctx.db).index;
}

async function writePriceTable(tx: Queryable, table: CheckedPriceTable): Promise<void> {
  await tx.query(
    `insert into pricing_tables (currency, min_credits, max_credits, updated_at) values ($1, $2, $3, now())
     on conflict (currency) do update set min_credits = excluded.min_credits,
       max_credits = excluded.max_credits, updated_at = now()`,
    [table.currency, table.minCredits.toString(), table.maxCredits.toString()],
  );
  await tx.query('delete from pricing_tiers where currency = $1', [table.currency]);
  await tx.query('delete from pricing_packs where currency = $1', [table.currency]);
  await tx.query(
    `insert into pricing_tiers (currency, from_credits, unit_price)
     select $1, * from unnest($2::bigint[], $3::text[])`,
    [
      table.currency,
      table.tiers.map((tier) => tier.fromCredits.toString()),
      table.tiers.map((tier) => tier.unitPrice),
    ],
  );
  await tx.query(
    `insert into pricing_packs (currency, id, position, credits, price)
     select $1, * from unnest($2::text[], $3::int[], $4::bigint[], $5::bigint[])`,
    [
      table.currency,
      table.packs.map((pack) => pack.id),
      table.packs.map((_, i) => i),
      table.packs.map((pack) => pack.credits.toString()),
      table.packs.map((pack) => pack.price.toString()),
    ],
  );
}

/** Replaces one currency's packs, tiers and limits in one transaction. */
export async function replacePriceTable(db: Db, table: CheckedPriceTable): Promise<void> {
  await ensurePricingSeeded(db);
  await db.transaction((tx) => writePriceTable(tx, table));
}

/** Every currency's price table, checked again on the way out (a bad row is a bug, not a price). */
export async function priceTables(
  db: Db,
  q: Queryable = db,
): Promise<Partial<Record<Currency, CheckedPriceTable>>> {
  await ensurePricingSeeded(db);
  // One after another: `q` may be a transaction's client, which runs one query at a time.
  const headers = await q.query<{ currency: string; min_credits: bigint; max_credits: bigint }>(
    'select currency, min_credits, max_credits from pricing_tables',
  );
  const tiers = await q.query<{ currency: string; from_credits: bigint; unit_price: string }>(
    'select currency, from_credits, unit_price from pricing_tiers order by currency, from_credits',
  );
  const packs = await q.query<{ currency: string; id: string; credits: bigint; price: bigint }>(
    'select currency, id, credits, price from pricing_packs order by currency, position',
  );
  const tables: Partial<Record<Currency, CheckedPriceTable>> = {};
  for (const header of headers.rows) {
    const currency = header.currency;
    if (!isCurrency(currency)) continue;
    const table: PriceTable = {
      currency,
      minCredits: header.min_credits,
      maxCredits: header.max_credits,
      tiers: tiers.rows
        .filter((row) => row.currency === currency)
        .map((row) => ({ fromCredits: row.from_credits, unitPrice: row.unit_price })),
      packs: packs.rows
        .filter((row) => row.currency === currency)
        .map((row) => ({ id: row.id, credits: row.credits, price: row.price })),
    };
    const checked = validatePriceTable(table);
    if (!checked.ok)
      throw new Error(`stored ${currency} price table is invalid: ${checked.errors[0]?.message}`);
    tables[currency] = checked.table;
  }
  return tables;
}
