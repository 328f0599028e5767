// File uploads without a dependency: a route scope that accepts multipart/form-data and raw
// file bodies (text/csv, XML, …) as Buffers, and a reader for the one file a request carries.
// Shared infrastructure: knows HTTP, no domain.
//
//   await app.register(async (scope) => {
//     acceptUploads(scope, { types: ['text/csv'], limitBytes: 5 * MB });
//     scope.put('/api/v1/admin/…', { bodyLimit: uploadBodyLimit(5 * MB) }, async (req) => {
//       const file = uploadedFile(req, 5 * MB);      // multipart "file" part, or the raw body
//     });
//   });
//
// Over the limit is 413 payload_too_large, before anything is parsed.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, validationFailed } from './errors.js';

export const MB = 1024 * 1024;
/** Room for multipart headers and boundaries around a file of the limit's size. */
const MULTIPART_SLACK = 64 * 1024;

export interface UploadedFile {
  /** The form field's name; null for a raw body. */
  field: string | null;
  filename: string | null;
  contentType: string | null;
  data: Buffer;
}

export function uploadBodyLimit(limitBytes: number): number {
  return limitBytes + MULTIPART_SLACK;
}

/** Lets routes in `scope` receive multipart/form-data and the given raw types as Buffers. */
export function acceptUploads(
  scope: FastifyInstance,
  { types, limitBytes }: { types: readonly string[]; limitBytes: number },
): void {
  const asBuffer = (_req: FastifyRequest, body: Buffer, done: (err: Error | null, body?: Buffer) => void) =>
    done(null, body);
  const bodyLimit = uploadBodyLimit(limitBytes);
  scope.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit }, asBuffer);
  for (const type of types) scope.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit }, asBuffer);
}

function tooLarge(limitBytes: number): AppError {
  return new AppError('payload_too_large', `The file is larger than ${Math.floor(limitBytes / MB)} MB`, {
    limitBytes,
  });
}

/**
 * The file a request carries: the multipart part named `field` (else the first part with a
 * filename, else the only part), or the raw body for the raw types.
 */
export function uploadedFile(req: FastifyRequest, limitBytes: number, field = 'file'): UploadedFile {
  const contentType = req.headers['content-type'] ?? '';
  const body = req.body;
  if (!Buffer.isBuffer(body)) {
    throw validationFailed([{ path: 'body', message: 'must be a file upload' }], 'No file in the request');
  }
  if (/^multipart\/form-data/i.test(contentType)) {
    const parts = parseMultipart(body, contentType);
    const file =
      parts.find((part) => part.field === field) ??
      parts.find((part) => part.filename !== null) ??
      (parts.length === 1 ? parts[0] : undefined);
    if (!file) {
      throw validationFailed(
        [{ path: `body.${field}`, message: 'is required: send the file as the form field "file"' }],
        'No file in the upload',
      );
    }
    if (file.data.length > limitBytes) throw tooLarge(limitBytes);
    return file;
  }
  if (body.length > limitBytes) throw tooLarge(limitBytes);
  return { field: null, filename: null, contentType: contentType.split(';')[0]?.trim() ?? null, data: body };
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** RFC 7578 multipart/form-data: each part's name, filename, type and bytes. */
export function parseMultipart(body: Buffer, contentType: string): UploadedFile[] {
  const match = /boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  const malformed = (why: string) =>
    validationFailed(
      [{ path: 'body', message: `is not valid multipart/form-data: ${why}` }],
      `The upload is not valid multipart/form-data (${why})`,
    );
  if (!boundary) throw malformed('no boundary in Content-Type');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: UploadedFile[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw malformed('the boundary does not occur');
  for (;;) {
    at += delimiter.length;
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return parts; // "--": the closing delimiter
    if (body.compare(CRLF, 0, 2, at, at + 2) !== 0) throw malformed('a boundary is not followed by CRLF');
    at += 2;
    const headerEnd = body.indexOf(HEADER_END, at);
    if (headerEnd < 0) throw malformed('a part has no end of headers');
    const headers = body.subarray(at, headerEnd).toString('utf8').split('\r\n');
    const next = body.indexOf(Buffer.concat([CRLF, delimiter]), headerEnd + 4);
    if (next < 0) throw malformed('the closing boundary is missing');
    let field: string | null = null;
    let filename: string | null = null;
    let type: string | null = null;
    for (const header of headers) {
      const [name = '', ...rest] = header.split(':');
      const value = rest.join(':').trim();
      if (name.trim().toLowerCase() === 'content-disposition') {
        field = /\bname="([^"]*)"/i.exec(value)?.[1] ?? null;
        filename = /\bfilename="([^"]*)"/i.exec(value)?.[1] ?? null;
      } else if (name.trim().toLowerCase() === 'content-type') {
        type = value;
      }
    }
    parts.push({ field, filename, contentType: type, data: body.subarray(headerEnd + 4, next) });
    at = next + 2;
  }
}
