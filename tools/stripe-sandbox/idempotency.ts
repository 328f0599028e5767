// Stripe's idempotency keys: the same key with the same request returns the first response
// (marked Idempotent-Replayed); with other parameters or another endpoint it is a 400
// idempotency_error; while the first request is still running, a 409 the SDK retries.
import { idempotencyError } from './errors.js';
import type { JsonObject } from './types.js';

export interface SavedResponse {
  status: number;
  body: JsonObject;
  /** The request id of the request that produced it (Stripe's Original-Request header). */
  requestId: string;
}

/** Stripe forgets a key after 24 hours; after that the key starts afresh. */
const KEY_LIFETIME_MS = 24 * 60 * 60 * 1000;

interface Entry {
  at: number;
  method: string;
  path: string;
  fingerprint: string;
  response: SavedResponse | null;
}

export type IdempotencyCheck = { kind: 'run' } | { kind: 'replay'; response: SavedResponse };

export class IdempotencyKeys {
  private readonly entries = new Map<string, Entry>();

  /** Claims `key` for this request, or says what to answer instead (throws on conflicts). */
  begin(key: string, method: string, path: string, fingerprint: string): IdempotencyCheck {
    const entry = this.entries.get(key);
    if (!entry || (entry.response !== null && Date.now() - entry.at > KEY_LIFETIME_MS)) {
      this.entries.set(key, { at: Date.now(), method, path, fingerprint, response: null });
      return { kind: 'run' };
    }
    if (entry.method !== method || entry.path !== path || entry.fingerprint !== fingerprint) {
      throw idempotencyError(
        400,
        `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      );
    }
    if (entry.response === null) {
      throw idempotencyError(
        409,
        `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
      );
    }
    return { kind: 'replay', response: entry.response };
  }

  finish(key: string, response: SavedResponse): void {
    const entry = this.entries.get(key);
    if (entry) entry.response = response;
  }

  /** Forgets a claim whose request ended without a result worth keeping. */
  abandon(key: string): void {
    const entry = this.entries.get(key);
    if (entry && entry.response === null) this.entries.delete(key);
  }
}
