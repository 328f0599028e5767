// Importing a camt.053 statement: booked credit entries whose creditor reference names a
// bank-transfer purchase, for exactly its amount and currency, pay it. Everything else is
// listed with a reason and stored for a person to decide (GET /admin/bank-statements/unmatched).
//
// One transaction for the whole file, under an advisory lock so that imports take turns:
// the purchases named are locked (id order), every match is credited in one ledger group, and
// each entry is stored under a key that is the same in every export of the statement (the
// bank's entry reference, else statement id and position). Importing the file again finds
// every key stored and credits nothing; a purchase is credited once whatever the files say.
// A malformed file, or one for another account, is refused before anything is written.
import { createHash } from 'node:crypto';
import type { AppContext } from '../../../context.js';
import { metrics } from '../../../metrics.js';
import type { Queryable } from '../../../db/types.js';
import { AppError } from '../../../http/errors.js';
import { CURRENCY_EXPONENT, isCurrency } from '../../../pricing/money.js';
import { newId, newIds } from '../../ids.js';
import type { PurchaseStatus } from '../../purchase.js';
import { announceCredited, type Creditable, creditLockedPurchases } from '../../settle.js';
import { readCamt053, type StatementLine, StatementFormatError } from './camt053.js';
import {
  creditorReferencesIn,
  isValidCreditorReference,
  normalizeCreditorReference,
} from './creditor-reference.js';

export const STATEMENT_LIMIT_BYTES = 20 * 1024 * 1024;
const IMPORT_LOCK = 7_261_005;
/** No bank moves more than this in one entry; a larger "amount" is unreadable, not a bigint overflow. */
const MAX_MINOR_UNITS = 10n ** 15n;

export const UNMATCHED_REASONS = [
  'already_imported',
  'duplicate_entry',
  'debit_entry',
  'not_booked',
  'unreadable_amount',
  'no_reference',
  'unknown_reference',
  'purchase_already_credited',
  'purchase_canceled',
  'purchase_failed',
  'wrong_currency',
  'wrong_amount',
] as const;
export type UnmatchedReason = (typeof UNMATCHED_REASONS)[number];

export interface ImportedLine {
  /** The stored entry (null for an entry a previous import stored). */
  entryId: string | null;
  statementId: string | null;
  bankRef: string | null;
  bookedAt: Date | null;
  direction: StatementLine['direction'];
  amount: { amount: bigint; currency: string } | null;
  reference: string | null;
  remittance: string | null;
  debtorName: string | null;
  purchaseId: string | null;
}

export interface ImportResult {
  importId: string;
  statementIds: string[];
  entries: number;
  matched: (ImportedLine & { purchaseId: string; accountId: string })[];
  unmatched: (ImportedLine & { reason: UnmatchedReason })[];
}

/** "121.00" in EUR -> 12100n; null when it is not an amount of that currency's minor units. */
export function minorUnits(amount: string | null, currency: string | null): bigint | null {
  if (amount === null || currency === null) return null;
  const exponent = isCurrency(currency) ? CURRENCY_EXPONENT[currency] : 2;
  const match = /^(\d{1,18})(?:\.(\d{1,10}))?$/.exec(amount);
  if (!match) return null;
  const fraction = match[2] ?? '';
  if (fraction.slice(exponent).replace(/0/g, '') !== '') return null;
  const value =
    BigInt(match[1] ?? '0') * 10n ** BigInt(exponent) +
    BigInt(fraction.slice(0, exponent).padEnd(exponent, '0') || '0');
  return value > MAX_MINOR_UNITS ? null : value;
}

function entryKey(line: StatementLine): string {
  const account = line.accountIban ?? '-';
  const tx = line.transaction === null ? '' : `|tx${line.transaction}`;
  return line.bankRef
    ? `${account}|ref|${line.bankRef}${tx}`
    : `${account}|stmt|${line.statementId ?? '-'}|${line.position}${tx}`;
}

/** The references a line carries, structured ones first; all valid ISO 11649. */
function referencesOf(line: StatementLine): string[] {
  const refs: string[] = [];
  for (const ref of line.structuredRefs) {
    const normalized = normalizeCreditorReference(ref);
    if (isValidCreditorReference(normalized)) refs.push(normalized);
    else refs.push(...creditorReferencesIn(ref));
  }
  for (const text of line.remittance) refs.push(...creditorReferencesIn(text));
  return [...new Set(refs)];
}

function decodeUtf8(file: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(file);
  } catch {
    throw new AppError('validation_failed', 'The statement is not UTF-8 text; nothing was imported', {
      fields: [{ path: 'file', message: 'must be a camt.053 XML file in UTF-8' }],
    });
  }
}

/** What matching needs of a purchase (not the whole row: 10,000 of them are read at once). */
interface Payable extends Creditable {
  currency: string;
  total: bigint;
  reference: string;
}

interface Decision {
  line: StatementLine;
  key: string;
  amount: bigint | null;
  reference: string | null;
  purchase: Payable | null;
  reason: UnmatchedReason | null;
}

export async function importStatement(
  ctx: AppContext,
  file: Buffer,
  { importedBy }: { importedBy: string | null },
): Promise<ImportResult> {
  if (file.length > STATEMENT_LIMIT_BYTES) {
    throw new AppError('payload_too_large', 'The statement is larger than 20 MB; nothing was imported', {
      limitBytes: STATEMENT_LIMIT_BYTES,
    });
  }
  let statements: ReturnType<typeof readCamt053>;
  try {
    statements = readCamt053(decodeUtf8(file));
  } catch (error) {
    if (!(error instanceof StatementFormatError)) throw error;
    throw new AppError('validation_failed', `${error.message}; nothing was imported`, {
      fields: [{ path: 'file', message: error.message }],
      ...(error.line === null ? {} : { line: error.line, column: error.column }),
    });
  }
  const ours = ctx.config.bankTransfer?.iban;
  for (const statement of statements) {
    if (ours && statement.accountIban && statement.accountIban !== ours) {
      throw new AppError(
        'validation_failed',
        `Statement ${statement.id ?? '(no id)'} is for account ${statement.accountIban}, not ours (${ours}); nothing was imported`,
        { fields: [{ path: 'file', message: 'is a statement of another account' }] },
      );
    }
  }
  const lines = statements.flatMap((statement) => statement.lines);
  const sha256 = createHash('sha256').update(file).digest('hex');

  // Keys, duplicates within the file, and the references each line carries.
  const seen = new Map<string, number>();
  const prepared = lines.map((line) => {
    const base = entryKey(line);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return {
      line,
      key: count === 0 ? base : `${base}#${count}`,
      duplicate: count > 0,
      refs: referencesOf(line),
      amount: minorUnits(line.amount, line.currency),
    };
  });
  const allRefs = [...new Set(prepared.flatMap((p) => p.refs))];

  const { result, credited } = await ctx.db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [IMPORT_LOCK]);
    const stored = await storedKeys(
      tx,
      prepared.map((p) => p.key),
    );
    const purchases = await lockByReference(tx, allRefs);
    const creditedHere = new Set<string>();
    const decisions: Decision[] = prepared.map((p) => {
      const decide = (
        reason: UnmatchedReason | null,
        purchase: Payable | null = null,
        reference: string | null = null,
      ) => ({
        line: p.line,
        key: p.key,
        amount: p.amount,
        reference: reference ?? p.refs[0] ?? null,
        purchase,
        reason,
      });
      if (stored.has(p.key)) return decide('already_imported');
      if (p.duplicate) return decide('duplicate_entry');
      if (p.line.direction !== 'CRDT') return decide('debit_entry');
      if (p.line.status !== 'BOOK') return decide('not_booked');
      if (p.amount === null) return decide('unreadable_amount');
      if (p.refs.length === 0) return decide('no_reference');
      const reference = p.refs.find((ref) => purchases.has(ref));
      const purchase = reference ? purchases.get(reference) : undefined;
      if (!reference || !purchase) return decide('unknown_reference');
      if (purchase.status === 'credited' || creditedHere.has(purchase.id)) {
        return decide('purchase_already_credited', purchase, reference);
      }
      if (purchase.status === 'canceled') return decide('purchase_canceled', purchase, reference);
      if (purchase.status === 'failed') return decide('purchase_failed', purchase, reference);
      if (p.line.currency !== purchase.currency) return decide('wrong_currency', purchase, reference);
      if (p.amount !== purchase.total) return decide('wrong_amount', purchase, reference);
      creditedHere.add(purchase.id);
      return decide(null, purchase, reference);
    });

    const now = ctx.now();
    const matches = decisions.filter(
      (d): d is Decision & { purchase: Payable } => d.reason === null && d.purchase !== null,
    );
    await creditLockedPurchases(
      ctx,
      tx,
      matches.map((d) => ({
        purchase: d.purchase,
        paid: {
          paidAt: d.line.bookedAt ?? now,
          method: 'bank_statement' as const,
          providerRef: d.line.bankRef,
        },
      })),
    );
    const importId = newId('bsi');
    const fresh = decisions.filter((d) => d.reason !== 'already_imported');
    await tx.query(
      `insert into bank_statement_imports (id, file_sha256, statement_ids, account_iban, entries, matched, unmatched,
         imported_by, imported_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        importId,
        sha256,
        JSON.stringify(statements.map((s) => s.id)),
        statements[0]?.accountIban ?? null,
        decisions.length,
        matches.length,
        decisions.length - matches.length,
        importedBy,
        now,
      ],
    );
    const ids = newIds('bse', fresh.length);
    await storeEntries(tx, importId, fresh, ids, now);
    const entryIds = new Map(fresh.map((d, i) => [d.key, ids[i] ?? null]));
    const view = (d: Decision): ImportedLine => ({
      entryId: entryIds.get(d.key) ?? null,
      statementId: d.line.statementId,
      bankRef: d.line.bankRef,
      bookedAt: d.line.bookedAt,
      direction: d.line.direction,
      amount:
        d.amount === null || d.line.currency === null
          ? null
          : { amount: d.amount, currency: d.line.currency },
      reference: d.reference,
      remittance: d.line.remittance.join(' ').slice(0, 500) || null,
      debtorName: d.line.debtorName,
      purchaseId: d.purchase?.id ?? null,
    });
    const result: ImportResult = {
      importId,
      statementIds: statements.map((s) => s.id ?? ''),
      entries: decisions.length,
      matched: matches.map((d) => ({
        ...view(d),
        purchaseId: d.purchase.id,
        accountId: d.purchase.accountId,
      })),
      unmatched: decisions.flatMap((d) => (d.reason === null ? [] : [{ ...view(d), reason: d.reason }])),
    };
    return { result, credited: matches.map((d) => d.purchase) };
  });
  if (credited.length > 0)
    metrics.purchases.inc({ method: 'bank_transfer', outcome: 'credited' }, credited.length);
  announceCredited(ctx, credited);
  return result;
}

async function storedKeys(tx: Queryable, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const { rows } = await tx.query<{ entry_key: string }>(
    'select entry_key from bank_statement_entries where entry_key = any($1::text[])',
    [keys],
  );
  return new Set(rows.map((row) => row.entry_key));
}

async function lockByReference(tx: Queryable, refs: string[]): Promise<Map<string, Payable>> {
  const byRef = new Map<string, Payable>();
  if (refs.length === 0) return byRef;
  const { rows } = await tx.query<{
    id: string;
    account_id: string;
    status: PurchaseStatus;
    credits: bigint;
    pack_id: string | null;
    currency: string;
    total: bigint;
    bank_reference: string;
  }>(
    `select id, account_id, status, credits, pack_id, currency, total, bank_reference from purchases
      where bank_reference = any($1::text[]) order by id for update`,
    [refs],
  );
  for (const row of rows) {
    byRef.set(row.bank_reference, {
      id: row.id,
      accountId: row.account_id,
      status: row.status,
      credits: row.credits,
      packId: row.pack_id,
      currency: row.currency,
      total: row.total,
      reference: row.bank_reference,
    });
  }
  return byRef;
}

async function storeEntries(
  tx: Queryable,
  importId: string,
  decisions: Decision[],
  ids: string[],
  now: Date,
): Promise<void> {
  if (decisions.length === 0) return;
  const col = <T>(pick: (d: Decision) => T) => decisions.map(pick);
  await tx.query(
    `insert into bank_statement_entries (id, import_id, entry_key, statement_id, bank_ref, booked_at, direction,
       entry_status, amount, currency, reference, remittance, debtor_name, purchase_id, outcome, reason,
       review_status, created_at)
     select v.id, $1, v.entry_key, v.statement_id, v.bank_ref, v.booked_at, v.direction, v.entry_status, v.amount,
            v.currency, v.reference, v.remittance, v.debtor_name, v.purchase_id,
            case when v.reason is null then 'matched' else 'unmatched' end, v.reason,
            case when v.reason is null then null else 'open' end, $2
       from unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::text[],
                   $10::bigint[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[])
         as v(id, entry_key, statement_id, bank_ref, booked_at, direction, entry_status, amount, currency, reference,
              remittance, debtor_name, purchase_id, reason)`,
    [
      importId,
      now,
      ids,
      col((d) => d.key),
      col((d) => d.line.statementId),
      col((d) => d.line.bankRef),
      col((d) => d.line.bookedAt?.toISOString() ?? null),
      col((d) => d.line.direction),
      col((d) => d.line.status),
      col((d) => d.amount?.toString() ?? null),
      col((d) => d.line.currency),
      col((d) => d.reference),
      col((d) => d.line.remittance.join(' ').slice(0, 1000) || null),
      col((d) => d.line.debtorName),
      col((d) => d.purchase?.id ?? null),
      col((d) => d.reason),
    ],
  );
}
