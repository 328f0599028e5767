// A recipients CSV read as a stream: bytes checked to be UTF-8 text (a NUL byte or an invalid
// sequence means it is not a CSV, so nothing is imported), a BOM dropped, the separator (`,`,
// `;` or tab) taken from the header line, then csv-parse over the rest — quoted fields with
// separators and line breaks, CRLF or LF. Rows are numbered as a spreadsheet shows them: the
// header is row 1. The header names the phone column (a few usual names are accepted) and the
// placeholders the text may use.
import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { validationFailed } from '../../http/errors.js';

export const PHONE_COLUMNS = [
  'phone',
  'phone_number',
  'phonenumber',
  'mobile',
  'number',
  'to',
  'msisdn',
  'recipient',
];

export interface CsvHeader {
  /** Column names as written (trimmed). */
  columns: string[];
  phoneIndex: number;
  separator: string;
}

export interface CsvRow {
  row: number;
  fields: string[];
}

const HEADER_MAX_CHARS = 64 * 1024;

function fileProblem(message: string, summary: string) {
  return validationFailed([{ path: 'body.file', message }], summary);
}

/** The bytes as text: refuses binary content and anything that is not UTF-8. */
export async function* utf8Text(source: AsyncIterable<Buffer>): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  for await (const chunk of source) {
    if (chunk.length === 0) continue;
    if (chunk.indexOf(0) >= 0) {
      throw fileProblem(
        'is a binary file, not a CSV text file',
        'The file is not a CSV: it contains binary data',
      );
    }
    bytes += chunk.length;
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw fileProblem('is not UTF-8 text', 'The file is not UTF-8 text; save the CSV as UTF-8');
    }
    if (text.length > 0) yield text;
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch {
    throw fileProblem(
      'is not UTF-8 text (it ends in the middle of a character)',
      'The file is not UTF-8 text',
    );
  }
  if (rest.length > 0) yield rest;
  if (bytes === 0) throw fileProblem('is empty', 'The file is empty');
}

/** The most frequent of `,` `;` and tab outside quotes in the header line; `,` when none occurs. */
export function detectSeparator(headerLine: string): string {
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best = ',';
  let most = 0;
  for (const [sep, n] of counts) {
    if (n > most) {
      best = sep;
      most = n;
    }
  }
  return best;
}

function phoneColumn(columns: readonly string[]): number {
  const lower = columns.map((c) =>
    c
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_'),
  );
  for (const name of PHONE_COLUMNS) {
    const at = lower.indexOf(name);
    if (at >= 0) return at;
  }
  return -1;
}

/**
 * Reads the header, then hands every data row to onRow (awaited, so a slow consumer slows the
 * reading: at most one parser buffer is in memory). Blank lines are skipped.
 */
export async function readCsv(
  source: AsyncIterable<Buffer>,
  onHeader: (header: CsvHeader) => void | Promise<void>,
  onRow: (row: CsvRow) => void | Promise<void>,
): Promise<{ rows: number }> {
  const text = utf8Text(source);
  // Enough text for the header line, to choose the separator before csv-parse starts.
  let head = '';
  let next = await text.next();
  while (!next.done) {
    head += next.value;
    if (/[\r\n]/.test(head) || head.length > HEADER_MAX_CHARS) break;
    next = await text.next();
  }
  const firstLine = head.split(/\r?\n|\r/, 1)[0] ?? '';
  if (head.trim() === '') throw fileProblem('is empty', 'The file is empty');
  const separator = detectSeparator(firstLine);
  const rest = async function* () {
    yield head;
    for (let more = await text.next(); !more.done; more = await text.next()) yield more.value;
  };
  const input = Readable.from(rest(), { objectMode: false });
  const parser = parse({
    delimiter: separator,
    relax_column_count: true,
    skip_empty_lines: true,
    bom: true,
  });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  let header: CsvHeader | null = null;
  let row = 1;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!header) {
        const columns = record.map((c) => c.trim());
        const phoneIndex = phoneColumn(columns);
        if (phoneIndex < 0) {
          throw fileProblem(
            `has no phone column: the header row must name one column ${PHONE_COLUMNS.slice(0, 5).join(', ')} or ${PHONE_COLUMNS.slice(5).join(', ')} (found: ${columns.slice(0, 10).join(', ') || 'nothing'})`,
            'The CSV has no phone column',
          );
        }
        header = { columns, phoneIndex, separator };
        await onHeader(header);
        continue;
      }
      row++;
      // Awaited only when the consumer waits for something (a chunk being written).
      const pending = onRow({ row, fields: record });
      if (pending) await pending;
    }
  } catch (error) {
    input.destroy();
    // Every parse error of csv-parse (its codes are not all prefixed CSV_, e.g. INVALID_OPENING_QUOTE).
    if (error instanceof CsvError) {
      const line = typeof error.lines === 'number' ? ` (line ${error.lines})` : '';
      throw fileProblem(`is not a valid CSV${line}: ${error.message}`, `The file is not a valid CSV${line}`);
    }
    throw error;
  }
  if (!header) throw fileProblem('is empty', 'The file is empty');
  return { rows: row - 1 };
}
