// Where an import's rows go as they are read: checked and priced by the RowComposer, numbers
// seen before in the same campaign dropped, and written to campaign_rows (refusals to
// campaign_invalid_rows) in multi-row inserts of STAGE_CHUNK rows: one chunk is written while
// the next is read, so at most two are in memory. The totals (recipients, cost, per country) are kept as the rows pass.
//
// Duplicates are found with a NumberSet of the numbers seen (number-set.ts): 16 bytes a number
// at worst, 16 MB for a million distinct recipients, outside the JS heap.
import type { Db } from '../../db/types.js';
import { NumberSet } from './number-set.js';
import type { ComposedRow, RowComposer } from './row-composer.js';

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
  encoding: 'GSM-7' | 'UCS-2' | null;
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
  credits = 0n;
  segments = 0n;
  encoding: 'GSM-7' | 'UCS-2' | null = null;
  maxSegments = 0;
  readonly firstInvalid: InvalidRow[] = [];
  private readonly seen = new NumberSet();
  private readonly countries = new Map<string, { recipients: number; credits: bigint }>();

  constructor(private readonly keepInvalid = INVALID_IN_ANSWER) {}

  /** False when the number was already in this campaign. */
  firstTime(e164: string): boolean {
    if (this.seen.add(Number(e164.slice(1)))) return true;
    this.duplicates++;
    return false;
  }

  accepted(row: ComposedRow): void {
    this.recipients++;
    this.credits += row.credits;
    this.segments += BigInt(row.segments);
    if (row.segments > this.maxSegments) this.maxSegments = row.segments;
    if (this.encoding !== 'UCS-2') this.encoding = row.encoding;
    const country = this.countries.get(row.country);
    if (country) {
      country.recipients++;
      country.credits += row.credits;
    } else {
      this.countries.set(row.country, { recipients: 1, credits: row.credits });
    }
  }

  refused(invalid: InvalidRow): void {
    this.invalid++;
    if (this.firstInvalid.length < this.keepInvalid) this.firstInvalid.push(invalid);
  }

  totals(): ImportTotals {
    return {
      recipients: this.recipients,
      invalid: this.invalid,
      duplicates: this.duplicates,
      credits: this.credits,
      segments: this.segments,
      encoding: this.encoding,
      maxSegments: this.maxSegments,
      byCountry: [...this.countries]
        .map(([country, t]) => ({ country, recipients: t.recipients, credits: t.credits }))
        .sort((a, b) => b.recipients - a.recipients || (a.country < b.country ? -1 : 1)),
      firstInvalid: this.firstInvalid,
    };
  }
}

/** Writes a campaign's rows to the staging tables in chunks. */
export class CampaignStager {
  readonly tally = new RowTally();
  private rows: (ComposedRow & { rowNo: number })[] = [];
  private invalid: InvalidRow[] = [];
  /** The chunk being written, if any. */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    readonly campaignId: string,
    readonly composer: RowComposer,
    private readonly stagedAt: Date,
  ) {}

  async add(rowNo: number, to: string, vars: (name: string) => string | undefined): Promise<void> {
    const result = this.composer.compose(to, vars);
    if (!result.ok) {
      const refused = { row: rowNo, to, reason: result.reason };
      this.tally.refused(refused);
      this.invalid.push(refused);
      if (this.invalid.length >= STAGE_CHUNK) await this.flushInvalid();
      return;
    }
    if (!this.tally.firstTime(result.row.to)) return;
    this.tally.accepted(result.row);
    this.rows.push({ ...result.row, rowNo });
    if (this.rows.length >= STAGE_CHUNK) {
      // One chunk is written while the next is read: reading waits only when both are full.
      await this.writing;
      this.writing = this.flushRows();
      // Handled here too: an import abandoned before the next await must not leave a rejection
      // unobserved (the next await, or stop(), still sees the error).
      this.writing.catch(() => undefined);
    }
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
    if (rows.length === 0) return;
    this.rows = [];
    const col = <T>(pick: (r: (typeof rows)[number]) => T) => rows.map(pick);
    await this.db.query(
      `insert into campaign_rows (campaign_id, row_no, to_number, country, text, encoding, segments,
         price_per_segment, price_prefix, credits, staged_at)
       select $1, v.*, $11 from unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[],
         $8::bigint[], $9::text[], $10::bigint[])
         as v(row_no, to_number, country, text, encoding, segments, price_per_segment, price_prefix, credits)`,
      [
        this.campaignId,
        col((r) => r.rowNo),
        col((r) => r.to),
        col((r) => r.country),
        col((r) => r.text),
        col((r) => r.encoding),
        col((r) => r.segments),
        col((r) => r.pricePerSegment.toString()),
        col((r) => r.pricePrefix),
        col((r) => r.credits.toString()),
        this.stagedAt.toISOString(),
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
