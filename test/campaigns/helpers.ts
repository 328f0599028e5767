// Shared set-up for the campaign tests: multipart bodies built by hand (as a browser or curl
// sends them), a campaign upload through the route, and reading a campaign back.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { expect } from 'vitest';
import type { Customer } from '../helpers/accounts.js';
import type { TestApp } from '../helpers/app.js';

export interface FormPart {
  name: string;
  value: string | Buffer;
  filename?: string;
  contentType?: string;
}

/** A multipart/form-data body with its Content-Type. */
export function multipart(parts: FormPart[]): { body: Buffer; contentType: string } {
  const boundary = `----tollgate${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"` : ''}`;
    const type = part.contentType ? `\r\nContent-Type: ${part.contentType}` : '';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}${type}\r\n\r\n`));
    chunks.push(Buffer.isBuffer(part.value) ? part.value : Buffer.from(part.value));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

export interface UploadOptions {
  name?: string;
  text: string;
  from?: string;
  scheduleAt?: string;
  draft?: boolean;
  headers?: Record<string, string>;
  /** Send the body as a stream of 16 KiB pieces without Content-Length, as a chunked upload. */
  chunked?: boolean;
}

/** The body as a stream of `size`-byte pieces. */
export function inPieces(body: Buffer, size = 16 * 1024): Readable {
  const pieces: Buffer[] = [];
  for (let at = 0; at < body.length; at += size) pieces.push(body.subarray(at, at + size));
  return Readable.from(pieces);
}

/** POST /campaigns with a CSV file (fields first, as the route asks). */
export async function uploadCampaign(
  t: TestApp,
  who: Customer,
  csv: string | Buffer,
  options: UploadOptions,
) {
  const parts: FormPart[] = [
    { name: 'name', value: options.name ?? 'Campaign' },
    { name: 'text', value: options.text },
  ];
  if (options.from !== undefined) parts.push({ name: 'from', value: options.from });
  if (options.scheduleAt !== undefined) parts.push({ name: 'scheduleAt', value: options.scheduleAt });
  if (options.draft !== undefined) parts.push({ name: 'draft', value: String(options.draft) });
  parts.push({ name: 'file', value: csv, filename: 'recipients.csv', contentType: 'text/csv' });
  const { body, contentType } = multipart(parts);
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/campaigns',
    headers: { ...who.headers, ...options.headers, 'content-type': contentType },
    payload: options.chunked ? inPieces(body) : body,
  });
}

export async function campaign(t: TestApp, who: Customer, id: string) {
  const res = await t.app.inject({ method: 'GET', url: `/api/v1/campaigns/${id}`, headers: who.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** Messages of a campaign, oldest first, as stored. */
export async function campaignMessages(t: TestApp, id: string) {
  const { rows } = await t.ctx.db.query<{
    to_number: string;
    text: string;
    status: string;
    credits: bigint;
    segments: number;
  }>(
    'select to_number, text, status, credits, segments from messages where campaign_id = $1 order by created_at, id',
    [id],
  );
  return rows;
}

/** A CSV of one `phone` column with these numbers. */
export const csvOf = (numbers: string[]) => `phone\n${numbers.join('\n')}\n`;

/** Spanish mobile numbers, distinct, the simulator delivers to. */
export function spanishNumbers(n: number, start = 0): string[] {
  return Array.from(
    { length: n },
    (_, i) =>
      `+346${String(10_000_000 + start + i)
        .padStart(8, '0')
        .slice(-8)}`,
  );
}

/** Rows anywhere in the import's staging tables (should be none once a campaign started or was refused). */
export async function stagedRows(t: TestApp): Promise<number> {
  const { rows } = await t.ctx.db.query<{ n: bigint }>(
    'select (select count(*) from campaign_rows) + (select count(*) from campaign_invalid_rows where campaign_id not in (select id from campaigns)) as n',
  );
  return Number(rows[0]?.n ?? 0n);
}
