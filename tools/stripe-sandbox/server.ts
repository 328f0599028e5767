// The HTTP front: reads the request, sends /v1 to the API pipeline, /_sandbox to the test
// switches, /checkout and /authenticate to the hosted pages, and writes the answer. Mounted
// under a path of another server (basePath, e.g. /sandbox/stripe), it answers only below it
// and routes what follows as it would at its own root.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApiContext, checkApiKey, handleApi } from './api.js';
import { type ControlDeps, ControlInputError, handleControl } from './control.js';
import type { Core } from './core.js';
import { StripeApiError } from './errors.js';
import { FormError, type ParamMap, parseForm } from './form.js';
import { renderMessage } from './pages/authenticate-page.js';
import { handlePage } from './pages/routes.js';
import { API_VERSION } from './types.js';

const MAX_BODY = 1024 * 1024;

export interface SandboxApp {
  core: Core;
  api: ApiContext;
  control: ControlDeps;
  /** '' at the root of its own server; '/sandbox/stripe' when mounted there. */
  basePath: string;
  logError(message: string): void;
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY) throw new BodyTooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  // A client that gave up (a timeout test) is gone; the work was done, the answer is dropped.
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  send(res, status, { 'content-type': 'application/json', ...headers }, `${JSON.stringify(body, null, 2)}\n`);
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  send(res, status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, html);
}

/** Control endpoints take a form or a flat JSON object. */
function controlForm(req: IncomingMessage, body: string, query: string): ParamMap {
  const form = parseForm(query);
  if (!(req.headers['content-type'] ?? '').includes('application/json'))
    return { ...form, ...parseForm(body) };
  const parsed: unknown = body.trim() === '' ? {} : JSON.parse(body);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ControlInputError('the body must be a JSON object');
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (key !== '__proto__' && value !== null && typeof value !== 'object') form[key] = String(value);
  }
  return form;
}

async function serveControl(
  app: SandboxApp,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: string,
) {
  try {
    checkApiKey(req.headers, app.api.secretKey);
    const result = await handleControl(
      app.control,
      req.method ?? 'GET',
      url.pathname,
      controlForm(req, body, url.search.slice(1)),
    );
    if (result.found) sendJson(res, 200, result.body);
    else
      sendJson(res, 404, {
        error: { type: 'invalid_request_error', message: `No sandbox endpoint ${url.pathname}` },
      });
  } catch (error) {
    if (error instanceof StripeApiError) return sendJson(res, error.status, error.body(), error.headers);
    if (
      error instanceof ControlInputError ||
      error instanceof RangeError ||
      error instanceof SyntaxError ||
      error instanceof FormError
    ) {
      return sendJson(res, 400, { error: { type: 'invalid_request_error', message: error.message } });
    }
    throw error;
  }
}

function servePage(
  app: SandboxApp,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: string,
): boolean {
  let form: ParamMap;
  try {
    form = req.method === 'POST' ? parseForm(body) : {};
  } catch (error) {
    if (!(error instanceof FormError)) throw error;
    sendHtml(res, 400, renderMessage('Bad request', error.message));
    return true;
  }
  const reply = handlePage(app.core, req.method ?? 'GET', url.pathname, form);
  if (!reply) return false;
  if ('location' in reply) send(res, 303, { location: reply.location }, '');
  else sendHtml(res, reply.status, reply.html);
  return true;
}

/** The path below basePath, or null for a path outside it. */
function localPath(basePath: string, pathname: string): string | null {
  if (basePath === '') return pathname;
  if (pathname === basePath) return '/';
  return pathname.startsWith(`${basePath}/`) ? pathname.slice(basePath.length) : null;
}

async function route(
  app: SandboxApp,
  req: IncomingMessage,
  res: ServerResponse,
  readBefore?: string,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
  const local = localPath(app.basePath, url.pathname);
  const body = readBefore ?? (await readBody(req));
  if (local === null) {
    return sendJson(res, 404, {
      error: {
        type: 'invalid_request_error',
        message: `Unrecognized request URL (${req.method}: ${url.pathname}).`,
      },
    });
  }
  url.pathname = local;
  const path = local;
  if (path.startsWith('/v1/')) {
    const reply = await handleApi(app.api, {
      method: req.method ?? 'GET',
      path,
      query: url.search.slice(1),
      body,
      headers: req.headers,
    });
    return sendJson(res, reply.status, reply.body, reply.headers);
  }
  if (path === '/_sandbox' || path.startsWith('/_sandbox/')) return serveControl(app, req, res, url, body);
  if (
    (path.startsWith('/checkout/') || path.startsWith('/authenticate/')) &&
    servePage(app, req, res, url, body)
  )
    return;
  if (path === '/' && req.method === 'GET') {
    return sendJson(res, 200, {
      object: 'stripe_sandbox',
      livemode: false,
      api_version: API_VERSION,
      sandbox: true,
    });
  }
  sendJson(res, 404, {
    error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${path}).` },
  });
}

/**
 * Answers one request. `body` is the request body when the caller has read it already (a server
 * the sandbox is mounted in); otherwise it is read from `req`.
 */
export function requestListener(app: SandboxApp) {
  return (req: IncomingMessage, res: ServerResponse, body?: string): void => {
    route(app, req, res, body).catch((error: unknown) => {
      if (error instanceof BodyTooLarge) {
        sendJson(res, 413, { error: { type: 'invalid_request_error', message: 'Request body too large.' } });
        req.destroy();
        return;
      }
      app.logError(
        `sandbox request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      sendJson(res, 500, { error: { type: 'api_error', message: 'An unknown error occurred' } });
    });
  };
}
