// The API client: JSON over fetch with the session cookie, the CSRF token on every write,
// and one error type carrying the API's code, message and request id.

const BASE = '/api/v1';

let csrfToken = null;
const unauthenticatedListeners = new Set();
const csrfListeners = new Set();

export function setCsrfToken(token) {
  csrfToken = token ?? null;
}

/** Called with the error whenever the API answers 401 (the session ended or never was). */
export function onUnauthenticated(listener) {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

/**
 * Called when a write is refused for its CSRF token: the session changed under this page
 * (a login in another tab replaces the session and its token).
 */
export function onCsrfRejected(listener) {
  csrfListeners.add(listener);
  return () => csrfListeners.delete(listener);
}

export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message || `The server answered ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = error?.code ?? 'unknown';
    this.requestId = error?.requestId ?? null;
    this.details = error?.details ?? {};
  }

  /** Field problems of a validation_failed answer, with paths relative to the body. */
  get fields() {
    const fields = Array.isArray(this.details.fields) ? this.details.fields : [];
    return fields.map((f) => ({ path: String(f.path ?? '').replace(/^body\.?/, ''), message: f.message }));
  }
}

/**
 * Calls the API. `path` is relative to /api/v1 unless it starts with '//' (then it is a root
 * path such as '//health'). Options: `body` (JSON, or FormData for an upload), `headers`
 * (e.g. an Idempotency-Key), `expect401` (a 401 is an answer, not an ended session).
 */
export async function request(method, path, { body, headers: extra, expect401 = false, signal } = {}) {
  const url = path.startsWith('//') ? path.slice(1) : `${BASE}${path}`;
  const headers = { accept: 'application/json', ...extra };
  const write = method !== 'GET' && method !== 'HEAD';
  if (write && csrfToken) headers['x-csrf-token'] = csrfToken;
  let payload;
  if (body instanceof FormData) {
    payload = body; // the browser sets multipart/form-data with its boundary
  } else if (body !== undefined || (write && method !== 'DELETE')) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body ?? {});
  }
  let response;
  try {
    response = await fetch(url, { method, headers, body: payload, credentials: 'same-origin', signal });
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ApiError(0, {
      code: 'network',
      message: 'The server cannot be reached. Check your connection and try again.',
    });
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, {
      code: data?.error?.code,
      message: data?.error?.message ?? `The server answered ${response.status} ${response.statusText}`,
      requestId: data?.error?.requestId ?? response.headers.get('x-request-id'),
      details: data?.error?.details,
    });
    if (response.status === 401 && !expect401) {
      for (const listener of unauthenticatedListeners) listener(error);
    }
    if (response.status === 403 && error.details?.reason === 'csrf_token_missing_or_wrong') {
      for (const listener of csrfListeners) listener(error);
    }
    throw error;
  }
  return data;
}

/**
 * A fresh Idempotency-Key: one per attempt, kept for the retries of that attempt, so a repeated
 * click or a lost answer never buys twice. crypto.randomUUID needs a secure context (https or
 * localhost); a self-hosted portal on plain http gets the same from getRandomValues.
 */
export function idempotencyKey() {
  if (typeof crypto.randomUUID === 'function' && window.isSecureContext) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const api = {
  get: (path, options) => request('GET', path, options),
  post: (path, body, options) => request('POST', path, { ...options, body }),
  put: (path, body, options) => request('PUT', path, { ...options, body }),
  delete: (path, options) => request('DELETE', path, options),
  /** Sends one file as multipart/form-data under `field` ("file"). */
  upload: (method, path, file, { field = 'file', ...options } = {}) => {
    const form = new FormData();
    form.append(field, file, file.name);
    return request(method, path, { ...options, body: form });
  },
};
