// Where an import's rows go as they are read: checked and priced by the RowComposer, numbers
// seen before in the same campaign dropped, and written to campaign_rows (refusals to
// campaign_invalid_rows) in multi-row inserts of STAGE_CHUNK rows: one chunk is written while
// the next is read, so at most two are in memory. A chunk is kept column by column, and what a
// row costs is a RowClass shared by every row of the same price, encoding and parts: an insert
// sends each row's number, recipient, text and class, and the chunk's few classes once. The
// totals (recipients, cost, per country) are counted per class as the rows pass.
//
// Duplicates are found with a NumberSet of the numbers seen (number-set.ts): 16 bytes a number
// at worst, 16 MB for a million distinct recipients, outside the JS heap.
import type { Db } from '../../db/types.js';
import type { PartEncoding } from '../../pricing/alphabets.js';
import { NumberSet } from './number-set.js';
import type { ComposedRow, RowClass, RowComposer } from './row-composer.js';

const ENCODING_RANK: Readonly<Record<PartEncoding, number>> = { 'GSM-7': 0, 'Latin-1': 1, 'UCS-2': 2 };

export const STAGE_CHUNK = 5_000;
/** Refused rows given in the POST answer; all are stored and listed by GET …/invalid. */
export const INVALID_IN_ANSWER = 100;

export interface InvalidRow {
  row: number;
  to: string;
  reason: string;
}

export interface CountryTotal {
  country: string;
  recipients: number;
  credits: bigint;
}

export interface ImportTotals {
  recipients: number;
  invalid: number;
  duplicates: number;
  credits: bigint;
  segments: bigint;
  /** 'UCS-2' when any message needs it. */
  encoding: PartEncoding | null;
  /** The most segments one message takes. */
  maxSegments: number;
  byCountry: CountryTotal[];
  firstInvalid: InvalidRow[];
}

/** Counts, totals and de-duplication shared by the stager and the estimate. */
export class RowTally {
  recipients = 0;
  invalid = 0;
  duplicates = 0;
  readonly firstInvalid: InvalidRow[] = [];
  private readonly seen = new NumberSet();
  /** Accepted rows per class: the totals are sums over a few classes, not over every row. */
  private readonly classes = new Map<RowClass, number>();

  constructor(private readonly keepInvalid = INVALID_IN_ANSWER) {}

  /** False when the number was already in this campaign. */
  firstTime(e164: string): boolean {
    if (this.seen.add(Number(e164.slice(1)))) return true;
    this.duplicates++;
    return false;
  }

  accepted(row: ComposedRow): void {
    this.recipients++;
    this.classes.set(row.cls, (this.classes.get(row.cls) ?? 0) + 1);
  }

  refused(invalid: InvalidRow): void {
    this.invalid++;
    if (this.firstInvalid.length < this.keepInvalid) this.firstInvalid.push(invalid);
  }

  totals(): ImportTotals {
    let credits = 0n;
    let segments = 0n;
    let encoding: ImportTotals['encoding'] = null;
    let maxSegments = 0;
    const countries = new Map<string, { recipients: number; credits: bigint }>();
    for (const [cls, rows] of this.classes) {
      const cost = BigInt(rows) * cls.credits;
      credits += cost;
      segments += BigInt(rows) * BigInt(cls.segments);
      if (cls.segments > maxSegments) maxSegments = cls.segments;
      // The least compact encoding any row takes: UCS-2, then Latin-1 (by carrier), then GSM-7.
      if (encoding === null || ENCODING_RANK[cls.encoding] > ENCODING_RANK[encoding]) encoding = cls.encoding;
      const country = countries.get(cls.country);
      if (country) {
        country.recipients += rows;
        country.credits += cost;
      } else {
        countries.set(cls.country, { recipients: rows, credits: cost });
      }
    }
    return {
      recipients: this.recipients,
      invalid: this.invalid,
      duplicates: this.duplicates,
      credits,
      segments,
      encoding,
      maxSegments,
      byCountry: [...countries]
        .map(([country, t]) => ({ country, recipients: t.recipients, credits: t.credits }))
        .sort((a, b) => b.recipients - a.recipients || (a.country < b.country ? -1 : 1)),
      firstInvalid: this.firstInvalid,
    };
  }
}

/** A chunk of accepted rows, column by column (no object per row). */
interface RowChunk {
  rowNos: number[];
  tos: string[];
  texts: (string | null)[];
  classes: RowClass[];
}

const emptyChunk = (): RowChunk => ({ rowNos: [], tos: [], texts: [], classes: [] });

const NEEDS_ESCAPE = /["\\]/;
const ESCAPED = /["\\]/g;

/**
 * A PostgreSQL array literal of texts (NULL for null), built in one pass: the driver's own
 * conversion runs two regular expressions per element.
 */
export function textArrayLiteral(values: readonly (string | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const value = values[i];
    if (value === null || value === undefined) out += 'NULL';
    else out += `"${NEEDS_ESCAPE.test(value) ? value.replace(ESCAPED, '\\$&') : value}"`;
  }
  return `${out}}`;
}

/** Writes a campaign's rows to the staging tables in chunks. */
export class CampaignStager {
  readonly tally = new RowTally();
  private rows: RowChunk = emptyChunk();
  private invalid: InvalidRow[] = [];
  /** The chunk being written, if any. */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    readonly campaignId: string,
    readonly composer: RowComposer,
    private readonly stagedAt: Date,
  ) {}

  /** Returns a promise only when a chunk is written (the caller awaits it: back-pressure). */
  add(rowNo: number, to: string, vars: (name: string) => string | undefined): Promise<void> | undefined {
    const result = this.composer.compose(to, vars);
    if (!result.ok) {
      const refused = { row: rowNo, to, reason: result.reason };
      this.tally.refused(refused);
      this.invalid.push(refused);
      return this.invalid.length >= STAGE_CHUNK ? this.flushInvalid() : undefined;
    }
    if (!this.tally.firstTime(result.row.to)) return undefined;
    this.tally.accepted(result.row);
    const rows = this.rows;
    rows.rowNos.push(rowNo);
    rows.tos.push(result.row.to);
    rows.texts.push(result.row.text);
    rows.classes.push(result.row.cls);
    return rows.rowNos.length >= STAGE_CHUNK ? this.nextChunk() : undefined;
  }

  /** One chunk is written while the next is read: reading waits only when both are full. */
  private async nextChunk(): Promise<void> {
    await this.writing;
    this.writing = this.flushRows();
    // Handled here too: an import abandoned before the next await must not leave a rejection
    // unobserved (the next await, or stop(), still sees the error).
    this.writing.catch(() => undefined);
  }

  async finish(): Promise<ImportTotals> {
    await this.writing;
    await this.flushRows();
    await this.flushInvalid();
    return this.tally.totals();
  }

  /** Waits for a chunk still being written (before its rows are discarded). */
  async stop(): Promise<void> {
    await this.writing.catch(() => undefined);
  }

  /** Removes what was staged (a refused or abandoned import). */
  static async discard(db: Db, campaignId: string): Promise<void> {
    await db.query('delete from campaign_rows where campaign_id = $1', [campaignId]);
    await db.query('delete from campaign_invalid_rows where campaign_id = $1', [campaignId]);
  }

  private async flushRows(): Promise<void> {
    const rows = this.rows;
    if (rows.rowNos.length === 0) return;
    this.rows = emptyChunk();
    // The chunk's classes once each (1-based, as WITH ORDINALITY counts), and each row's class.
    const index = new Map<RowClass, number>();
    const classes: RowClass[] = [];
    const classOf = rows.classes.map((cls) => {
      let at = index.get(cls);
      if (at === undefined) {
        classes.push(cls);
        at = classes.length;
        index.set(cls, at);
      }
      return at;
    });
    await this.db.query(
      `insert into campaign_rows (campaign_id, row_no, to_number, country, text, encoding, segments,
         price_per_segment, price_prefix, credits, staged_at)
       select $1, v.row_no, v.to_number, c.country, v.text, c.encoding, c.segments, c.price_per_segment,
              c.price_prefix, c.credits, $2
         from unnest($3::int[], $4::text[], $5::text[], $6::int[]) as v(row_no, to_number, text, cls)
         join unnest($7::text[], $8::text[], $9::int[], $10::bigint[], $11::text[], $12::bigint[])
                with ordinality as c(country, encoding, segments, price_per_segment, price_prefix, credits, cls)
           using (cls)`,
      [
        this.campaignId,
        this.stagedAt.toISOString(),
        `{${rows.rowNos.join(',')}}`,
        textArrayLiteral(rows.tos),
        textArrayLiteral(rows.texts),
        `{${classOf.join(',')}}`,
        classes.map((c) => c.country),
        classes.map((c) => c.encoding),
        classes.map((c) => c.segments),
        classes.map((c) => c.pricePerSegment.toString()),
        classes.map((c) => c.pricePrefix),
        classes.map((c) => c.credits.toString()),
      ],
    );
  }

  private async flushInvalid(): Promise<void> {
    const rows = this.invalid;
    if (rows.length === 0) return;
    this.invalid = [];
    await this.db.query(
      `insert into campaign_invalid_rows (campaign_id, row_no, to_value, reason, staged_at)
       select $1, v.*, $5 from unnest($2::int[], $3::text[], $4::text[]) as v(row_no, to_value, reason)`,
      [
        this.campaignId,
        rows.map((r) => r.row),
        rows.map((r) => r.to.slice(0, 200)),
        rows.map((r) => r.reason),
        this.stagedAt.toISOString(),
      ],
    );
  }
}
