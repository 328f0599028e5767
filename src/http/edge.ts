// The edge: what every request meets before any route sees it, and every answer the framework
// or Node's HTTP parser would otherwise give in a shape of their own.
//
// - Text the database cannot store is refused once, here, for every route: a NUL character or a
//   lone UTF-16 surrogate in a path parameter (404 not_found: no object has such an id), a query
//   parameter or a parsed body field (400 validation_failed naming the field), and a NUL byte in
//   any body read as bytes (multipart uploads, CSV, XML: 400 naming the form field when it can).
// - Parsed bodies nested deeper than MAX_BODY_DEPTH are refused (no object we store is that deep).
// - A body declared in a charset other than UTF-8 is 415 unsupported_media_type: it would be read
//   as UTF-8 and stored garbled.
// - Bad percent-encoding in the path (FST_ERR_BAD_URL), a path parameter over the router's limit
//   (414), headers over Node's limit (431), a request line the parser refuses (400), a request
//   that timed out (408) and requests that arrive while the server closes (503) are all answered
//   in the one error shape, with a request id.
import type { Socket } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errorBody, notFound, validationFailed } from './errors.js';
import { randomBase64url } from './random-pool.js';

/** Deeper JSON than this is refused: our largest documents are three or four levels deep. */
export const MAX_BODY_DEPTH = 32;

/** A NUL, or half of a surrogate pair without its other half (not text; PostgreSQL refuses NUL). */
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function unstorable(value: string): string | null {
  const match = UNSTORABLE.exec(value);
  if (!match) return null;
  if (match[0].includes('\0')) return 'must not contain a NUL character';
  const half = match[0]
    .charCodeAt(match[0].length - 1)
    .toString(16)
    .toUpperCase();
  return `must be valid Unicode text (it has half of a character, a lone surrogate U+${half})`;
}

function edgeRequestId(): string {
  return `req_${randomBase64url(9)}`;
}

/** Where a string that cannot be stored sits in a parsed value, and why; null when there is none. */
export function findUnstorable(value: unknown, root: string): { path: string; message: string } | null {
  // Iterative, so a deeply nested body cannot exhaust the stack.
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: root, depth: 0 }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { value: current, path, depth } = next;
    if (typeof current === 'string') {
      const why = unstorable(current);
      if (why) return { path, message: why };
      continue;
    }
    if (current === null || typeof current !== 'object' || Buffer.isBuffer(current)) continue;
    if (depth >= MAX_BODY_DEPTH) return { path, message: `is nested deeper than ${MAX_BODY_DEPTH} levels` };
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--)
        stack.push({ value: current[i], path: `${path}.${i}`, depth: depth + 1 });
      continue;
    }
    for (const [key, item] of Object.entries(current)) {
      const keyWhy = unstorable(key);
      if (keyWhy)
        return {
          path: `${path}.${key.replace(/[\0\uD800-\uDFFF]/g, '\uFFFD')}`,
          message: `'s name ${keyWhy}`,
        };
      stack.push({ value: item, path: `${path}.${key}`, depth: depth + 1 });
    }
  }
  return null;
}

function refuseText(problem: { path: string; message: string }): AppError {
  return validationFailed([problem], `${problem.path} ${problem.message}`);
}

/** Charsets a body may declare: UTF-8, and ASCII, which is UTF-8. */
const UTF8_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii']);

function declaredCharset(contentType: string): string | null {
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
  if (!match) return null;
  return (match[1] ?? match[2] ?? '').toLowerCase();
}

function hasBody(req: FastifyRequest): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Bodies that reach a route as parsed text (JSON, forms) are checked field by field instead. */
const PARSED_AS_TEXT =
  /^\s*(?:application\/(?:[\w.+-]+\+)?json|application\/x-www-form-urlencoded)\s*(?:;|$)/i;

/**
 * Passes a body through while looking for a NUL byte; for multipart bodies it remembers the
 * name of the part it is in, so the refusal can name the field. Costs one native byte search
 * per chunk (and one for the boundary in multipart bodies).
 */
class NulByteGuard extends Transform {
  private carry: Buffer = Buffer.alloc(0);
  private field = 'body';
  private readonly delimiter: Buffer | null;

  constructor(boundary: string | null) {
    super();
    this.delimiter = boundary ? Buffer.from(`--${boundary}`) : null;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const nul = chunk.indexOf(0);
    if (this.delimiter) this.followParts(nul < 0 ? chunk : chunk.subarray(0, nul));
    if (nul >= 0) {
      callback(
        validationFailed(
          [{ path: this.field, message: 'must not contain a NUL byte (binary data is not accepted)' }],
          `${this.field} contains a NUL byte`,
        ),
      );
      return;
    }
    callback(null, chunk);
  }

  private followParts(seen: Buffer): void {
    const delimiter = this.delimiter as Buffer;
    const joined = this.carry.length > 0 ? Buffer.concat([this.carry, seen]) : seen;
    const at = joined.lastIndexOf(delimiter);
    if (at >= 0) {
      const headers = joined.subarray(at, at + 2048).toString('latin1');
      const name = /content-disposition:[^\r\n]*?\bname="([^"\r\n]*)"/i.exec(headers)?.[1];
      if (name !== undefined) this.field = `body.${name}`;
    }
    this.carry = Buffer.from(joined.subarray(Math.max(0, joined.length - 2048)));
  }
}

/** Installs the edge's hooks on the root instance, before any route is registered. */
export function guardEdge(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });

  app.addHook('onRequest', async (req, reply) => {
    if (closing) {
      reply.header('connection', 'close');
      throw new AppError(
        'unavailable',
        'The server is shutting down; retry (with the same Idempotency-Key)',
        { reason: 'shutting_down', retryAfterSeconds: 1 },
        { 'retry-after': '1' },
      );
    }
    const params = req.params as Record<string, unknown> | undefined;
    if (params && typeof params === 'object') {
      for (const value of Object.values(params)) {
        if (typeof value === 'string' && UNSTORABLE.test(value)) throw notFound();
      }
    }
    const inQuery = findUnstorable(req.query, 'query');
    if (inQuery) throw refuseText(inQuery);
    const contentType = req.headers['content-type'];
    if (contentType !== undefined && hasBody(req)) {
      const charset = declaredCharset(contentType);
      if (charset !== null && !UTF8_CHARSETS.has(charset)) {
        throw new AppError(
          'unsupported_media_type',
          `Bodies are read as UTF-8; this one says charset=${charset.slice(0, 40)}`,
          { contentType: contentType.slice(0, 200), charset: 'utf-8' },
        );
      }
    }
  });

  app.addHook('preParsing', async (req, _reply, payload) => {
    const contentType = req.headers['content-type'] ?? '';
    if (!hasBody(req) || PARSED_AS_TEXT.test(contentType)) return payload;
    const boundary = /^\s*multipart\//i.test(contentType)
      ? (/boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))/i.exec(contentType)?.slice(1).find(Boolean) ?? null)
      : null;
    const guarded = new NulByteGuard(boundary);
    payload.on('error', (error) => guarded.destroy(error));
    // A request may be answered without its body being read (no parser for its type, refused
    // by a hook): the refusal must then not become an uncaught exception. Readers of the body
    // add their own listener and still get it.
    guarded.on('error', () => undefined);
    return payload.pipe(guarded);
  });

  app.addHook('preValidation', async (req) => {
    const problem = findUnstorable(req.body, 'body');
    if (problem) throw refuseText(problem);
  });
}

/** Fastify's router errors (bad percent-encoding, an over-long parameter), in our shape. */
export function frameworkErrors(error: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', req.id);
  const appError =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new AppError('uri_too_long', 'A part of the path is longer than allowed')
      : error.code === 'FST_ERR_BAD_URL'
        ? validationFailed(
            [{ path: 'url', message: 'is not valid percent-encoded UTF-8' }],
            'The path is not valid percent-encoded UTF-8',
          )
        : new AppError(
            'internal',
            'Something went wrong on our side; the request id identifies it in our logs',
          );
  req.log.info({ code: appError.code, reason: error.code }, appError.message);
  reply.code(appError.status).send(errorBody(appError, req.id));
}

const CLIENT_ERRORS: Record<string, { error: () => AppError; reason: string }> = {
  HPE_HEADER_OVERFLOW: {
    reason: 'header_overflow',
    error: () => new AppError('headers_too_large', 'The request headers are larger than allowed'),
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    reason: 'timeout',
    error: () => new AppError('request_timeout', 'The request took too long to arrive'),
  },
};

/**
 * Node's HTTP parser refused the request before Fastify saw it (headers over the limit, a
 * malformed request line, a timeout): answer in our shape on the raw socket and close it.
 */
export function clientErrorHandler(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Socket,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known = requestLineTooLong(error)
    ? {
        reason: 'uri_too_long',
        error: () => new AppError('uri_too_long', 'The request line is longer than allowed'),
      }
    : error.code
      ? CLIENT_ERRORS[error.code]
      : undefined;
  const appError =
    known?.error() ??
    validationFailed(
      [{ path: 'request', message: 'is not a valid HTTP request' }],
      'The request is malformed',
    );
  const requestId = edgeRequestId();
  this.log.info({ requestId, code: appError.code, reason: known?.reason ?? error.code }, appError.message);
  if (socket.writable) {
    const body = JSON.stringify(errorBody(appError, requestId));
    socket.write(
      `HTTP/1.1 ${appError.status} ${STATUS_TEXT[appError.status] ?? 'Error'}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * Node counts the request line into its header limit: when the line itself is what overflowed
 * (the bytes the parser saw start with a request line that has not ended 8 KB in), the URL is
 * too long, not the headers.
 */
function requestLineTooLong(error: Error & { code?: string; rawPacket?: unknown }): boolean {
  if (error.code !== 'HPE_HEADER_OVERFLOW' || !Buffer.isBuffer(error.rawPacket)) return false;
  const raw = error.rawPacket;
  if (!/^[A-Z]{3,10} \S/.test(raw.subarray(0, 16).toString('latin1'))) return false;
  const end = raw.indexOf('\r\n');
  return end < 0 || end > 8 * 1024;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
};
