// The price list as CSV, for operators who keep it in a spreadsheet:
//
//   country,prefix,credits_per_segment
//   GB,,1.2
//   GB,+4477,1.1
//
// A header row, then one price per line; an empty prefix is the country's own price. Fields may
// be quoted ("GB"); a BOM, CRLF line ends, blank lines and spaces around fields are tolerated.
// Errors name the line they are on, the header being line 1.

import {
  compareRules,
  type DestinationRow,
  type DestinationRule,
  type PriceListError,
  type PriceListResult,
  validateDestinationRows,
} from './destinations.js';
import { formatCredits } from '../ledger/amounts.js';

export const DESTINATION_CSV_HEADER = ['country', 'prefix', 'credits_per_segment'] as const;

/** Splits one CSV line (RFC 4180 quoting, no line breaks inside fields); undefined if malformed. */
function splitLine(line: string): string[] | undefined {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const end = line.indexOf('"', i);
        if (end < 0) return undefined;
        value += line.slice(i, end);
        if (line[end + 1] === '"') {
          value += '"';
          i = end + 2;
        } else {
          i = end + 1;
          break;
        }
      }
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (i < line.length && line[i] !== ',') return undefined;
      fields.push(value);
    } else {
      const end = line.indexOf(',', i);
      const value = line.slice(i, end < 0 ? line.length : end);
      if (value.includes('"')) return undefined;
      fields.push(value.trim());
      i = end < 0 ? line.length : end;
    }
    if (i >= line.length) return fields;
    i++;
  }
}

/** Reads a price list from CSV text; every problem is reported with its line number. */
export function parseDestinationCsv(text: string): PriceListResult {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const errors: PriceListError[] = [];
  const rows: DestinationRow[] = [];
  let header = true;
  for (const [index, line] of lines.entries()) {
    const row = index + 1;
    if (line.trim() === '') continue;
    const fields = splitLine(line);
    if (!fields) {
      errors.push({ row, code: 'malformed_row', message: 'has an unbalanced or misplaced quote' });
      continue;
    }
    if (header) {
      header = false;
      const names = fields.map((field) => field.trim().toLowerCase());
      if (names.join(',') !== DESTINATION_CSV_HEADER.join(',')) {
        return {
          ok: false,
          errors: [
            {
              row,
              code: 'bad_header',
              message: `the first row must be "${DESTINATION_CSV_HEADER.join(',')}"`,
            },
          ],
        };
      }
      continue;
    }
    const [country, prefix, credits] = fields;
    if (fields.length !== 3 || country === undefined || prefix === undefined || credits === undefined) {
      errors.push({ row, code: 'wrong_column_count', message: `has ${fields.length} columns, expected 3` });
      continue;
    }
    rows.push({ row, country, prefix, creditsPerSegment: credits });
  }
  if (header) return { ok: false, errors: [{ row: 1, code: 'bad_header', message: 'the file is empty' }] };
  const checked = validateDestinationRows(rows);
  if (errors.length === 0) return checked;
  const all = checked.ok ? errors : [...errors, ...checked.errors].filter((e) => e.code !== 'empty');
  return { ok: false, errors: all.sort((a, b) => a.row - b.row) };
}

/** Writes a price list as CSV (LF line ends, sorted by country then prefix); parses back equal. */
export function serializeDestinationCsv(rules: readonly DestinationRule[]): string {
  const lines = [DESTINATION_CSV_HEADER.join(',')];
  for (const rule of [...rules].sort(compareRules)) {
    lines.push(`${rule.country},${rule.prefix ?? ''},${formatCredits(rule.microsPerSegment)}`);
  }
  return `${lines.join('\n')}\n`;
}
