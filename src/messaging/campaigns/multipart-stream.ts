// multipart/form-data read as a stream (RFC 7578), for uploads too large to hold in memory:
// each part's headers, then its bytes as they arrive. The whole-body reader in http/uploads.ts
// buffers the request; a campaign file of a million rows must not sit in memory, so this one
// keeps at most one network chunk plus a boundary's length.
import { validationFailed } from '../../http/errors.js';

export interface StreamPart {
  field: string | null;
  filename: string | null;
  contentType: string | null;
  /** The part's bytes; read it to the end (or not at all) before asking for the next part. */
  body: AsyncGenerator<Buffer, void, undefined>;
}

const MAX_HEADER_BYTES = 16 * 1024;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

export function malformedMultipart(why: string) {
  return validationFailed(
    [{ path: 'body', message: `is not valid multipart/form-data: ${why}` }],
    `The upload is not valid multipart/form-data (${why})`,
  );
}

/** The boundary of a multipart/form-data Content-Type, or null. */
export function multipartBoundary(contentType: string): string | null {
  if (!/^multipart\/form-data/i.test(contentType)) return null;
  const match = /boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))/i.exec(contentType);
  return match?.[1] ?? match?.[2] ?? null;
}

class ChunkReader {
  buf: Buffer = Buffer.alloc(0);
  ended = false;
  private readonly it: AsyncIterator<Buffer>;

  constructor(source: AsyncIterable<Buffer>) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** Reads one more chunk into buf; false at the end of the stream. */
  async fill(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.it.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    return true;
  }

  /** Makes at least n bytes available; false when the stream ends first. */
  async need(n: number): Promise<boolean> {
    while (this.buf.length < n) if (!(await this.fill())) return false;
    return true;
  }
}

/** The parts of a multipart/form-data stream, in order. */
export async function* multipartParts(
  source: AsyncIterable<Buffer>,
  boundary: string,
): AsyncGenerator<StreamPart, void, undefined> {
  const reader = new ChunkReader(source);
  const opening = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // The preamble (usually empty) up to the first boundary.
  for (;;) {
    const at = reader.buf.indexOf(opening);
    if (at >= 0) {
      reader.buf = reader.buf.subarray(at + opening.length);
      break;
    }
    reader.buf = reader.buf.subarray(Math.max(0, reader.buf.length - opening.length + 1));
    if (!(await reader.fill())) throw malformedMultipart('the boundary does not occur');
  }
  for (;;) {
    if (!(await reader.need(2))) throw malformedMultipart('the closing boundary is missing');
    if (reader.buf[0] === 0x2d && reader.buf[1] === 0x2d) return; // "--": the closing delimiter
    if (reader.buf.compare(CRLF, 0, 2, 0, 2) !== 0)
      throw malformedMultipart('a boundary is not followed by CRLF');
    reader.buf = reader.buf.subarray(2);
    let headerEnd = reader.buf.indexOf(HEADER_END);
    while (headerEnd < 0) {
      if (reader.buf.length > MAX_HEADER_BYTES)
        throw malformedMultipart('a part has headers that are too long');
      if (!(await reader.fill())) throw malformedMultipart('a part has no end of headers');
      headerEnd = reader.buf.indexOf(HEADER_END);
    }
    const headers = reader.buf.subarray(0, headerEnd).toString('utf8').split('\r\n');
    reader.buf = reader.buf.subarray(headerEnd + 4);
    let field: string | null = null;
    let filename: string | null = null;
    let contentType: string | null = null;
    for (const header of headers) {
      const colon = header.indexOf(':');
      const name = header.slice(0, colon).trim().toLowerCase();
      const value = header.slice(colon + 1).trim();
      if (name === 'content-disposition') {
        field = /\bname="([^"]*)"/i.exec(value)?.[1] ?? null;
        filename = /\bfilename="([^"]*)"/i.exec(value)?.[1] ?? null;
      } else if (name === 'content-type') {
        contentType = value;
      }
    }
    let finished = false;
    const body = async function* (): AsyncGenerator<Buffer, void, undefined> {
      for (;;) {
        const at = reader.buf.indexOf(delimiter);
        if (at >= 0) {
          if (at > 0) yield reader.buf.subarray(0, at);
          reader.buf = reader.buf.subarray(at + delimiter.length);
          finished = true;
          return;
        }
        // Everything except what could be the start of a delimiter split across chunks.
        const safe = reader.buf.length - (delimiter.length - 1);
        if (safe > 0) {
          const out = reader.buf.subarray(0, safe);
          reader.buf = reader.buf.subarray(safe);
          yield out;
        }
        if (!(await reader.fill())) throw malformedMultipart('the closing boundary is missing');
      }
    };
    const part = body();
    yield { field, filename, contentType, body: part };
    // A part the caller did not read to its end is skipped.
    if (!finished) await drain(part);
  }
}

async function drain(part: AsyncGenerator<Buffer, void, undefined>): Promise<void> {
  for (let next = await part.next(); !next.done; next = await part.next()) {
    // skipped
  }
}
