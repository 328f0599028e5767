// @ts-check
// The API client: JSON over fetch with the session cookie, the CSRF token on every write,
// and one error type carrying the API's code, message and request id.

import { t } from './i18n.js';

const BASE = '/api/v1';

/** @type {string | null} */
let csrfToken = null;
/** @type {Set<(error: ApiError) => void>} */
const unauthenticatedListeners = new Set();
/** @type {Set<(error: ApiError) => void>} */
const csrfListeners = new Set();

export function setCsrfToken(/** @type {string | null | undefined} */ token) {
  csrfToken = token ?? null;
}

/**
 * Called with the error whenever the API answers 401 (the session ended or never was).
 * @param {(error: ApiError) => void} listener
 */
export function onUnauthenticated(listener) {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

/**
 * Called when a write is refused for its CSRF token: the session changed under this page
 * (a login in another tab replaces the session and its token).
 * @param {(error: ApiError) => void} listener
 */
export function onCsrfRejected(listener) {
  csrfListeners.add(listener);
  return () => csrfListeners.delete(listener);
}

/**
 * The API's error shape: {code, message, requestId, details}.
 * @typedef {{ code?: string, message?: string, requestId?: string | null, details?: Record<string, unknown> }} ErrorShape
 */

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {ErrorShape | null | undefined} error
   */
  constructor(status, error) {
    super(error?.message || t('shell.api.answered', { status: String(status) }));
    this.name = 'ApiError';
    this.status = status;
    this.code = error?.code ?? 'unknown';
    /** @type {string | null} */
    this.requestId = error?.requestId ?? null;
    /** @type {Record<string, unknown>} */
    this.details = error?.details ?? {};
  }

  /**
   * Field problems of a validation_failed answer, with paths relative to the body.
   * @returns {{ path: string, message: string }[]}
   */
  get fields() {
    const fields = Array.isArray(this.details.fields) ? this.details.fields : [];
    return fields.map((/** @type {{ path?: unknown, message?: unknown }} */ f) => ({
      path: String(f.path ?? '').replace(/^body\.?/, ''),
      message: String(f.message ?? ''),
    }));
  }
}

/**
 * @typedef {object} RequestOptions
 * @property {unknown} [body] JSON, or FormData for an upload.
 * @property {Record<string, string>} [headers] E.g. an Idempotency-Key.
 * @property {boolean} [expect401] A 401 is an answer, not an ended session.
 * @property {AbortSignal} [signal]
 */

/**
 * Calls the API. `path` is relative to /api/v1 unless it starts with '//' (then it is a root
 * path such as '//health'). The answer is the parsed JSON, unknown until the caller names its
 * shape (api-types.js describes the API's).
 * @param {string} method
 * @param {string} path
 * @param {RequestOptions} [options]
 * @returns {Promise<unknown>}
 */
export async function request(method, path, { body, headers: extra, expect401 = false, signal } = {}) {
  const url = path.startsWith('//') ? path.slice(1) : `${BASE}${path}`;
  /** @type {Record<string, string>} */
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
    if (isAbort(error)) throw error;
    throw new ApiError(0, { code: 'network', message: t('shell.api.unreachable') });
  }
  const text = await response.text();
  /** @type {unknown} */
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const shape = /** @type {{ error?: ErrorShape } | null} */ (data)?.error;
    const error = new ApiError(response.status, {
      code: shape?.code,
      message:
        shape?.message ??
        t('shell.api.answered', { status: `${response.status} ${response.statusText}`.trim() }),
      requestId: shape?.requestId ?? response.headers.get('x-request-id'),
      details: shape?.details,
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

/** Whether a failure is a request given up because the page moved on (AbortController). */
export function isAbort(/** @type {unknown} */ error) {
  return typeof error === 'object' && error !== null && 'name' in error && error.name === 'AbortError';
}

/** The API's answer status of a failure (0 for the network), or null when it is no ApiError. */
export function statusOf(/** @type {unknown} */ error) {
  return error instanceof ApiError ? error.status : null;
}

/**
 * A fresh Idempotency-Key: one per attempt, kept for the retries of that attempt, so a repeated
 * click or a lost answer never buys twice. crypto.randomUUID needs a secure context (https or
 * localhost); a self-hosted portal on plain http gets the same from getRandomValues.
 */
export function idempotencyKey() {
  if (typeof crypto.randomUUID === 'function' && window.isSecureContext) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const api = {
  /** @param {string} path @param {RequestOptions} [options] */
  get: (path, options) => request('GET', path, options),
  /** @param {string} path @param {unknown} [body] @param {RequestOptions} [options] */
  post: (path, body, options) => request('POST', path, { ...options, body }),
  /** @param {string} path @param {unknown} [body] @param {RequestOptions} [options] */
  put: (path, body, options) => request('PUT', path, { ...options, body }),
  /** @param {string} path @param {RequestOptions} [options] */
  delete: (path, options) => request('DELETE', path, options),
  /**
   * Sends one file as multipart/form-data under `field` ("file").
   * @param {string} method
   * @param {string} path
   * @param {File} file
   * @param {RequestOptions & { field?: string }} [options]
   */
  upload: (method, path, file, { field = 'file', ...options } = {}) => {
    const form = new FormData();
    form.append(field, file, file.name);
    return request(method, path, { ...options, body: form });
  },
};
