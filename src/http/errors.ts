// One error vocabulary: a code enum, one map from code to HTTP status, one JSON shape.
// Expected outcomes are AppErrors; anything else becomes `internal` with nothing leaked.

export const ERROR_STATUS = {
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  idempotency_conflict: 409,
  billing_data_incomplete: 409,
  insufficient_credit: 402,
  payment_failed: 402,
  payload_too_large: 413,
  unsupported_media_type: 415,
  uri_too_long: 414,
  headers_too_large: 431,
  request_timeout: 408,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface FieldProblem {
  path: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export function validationFailed(
  fields: FieldProblem[],
  message = 'Some fields are missing or malformed',
): AppError {
  return new AppError('validation_failed', message, { fields });
}

export function notFound(what = 'object'): AppError {
  return new AppError('not_found', `No such ${what}`);
}

/** Seconds a client is asked to wait when the database is down for a moment (a restart). */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/** The answer to a request that met the database down: retry it, with its Idempotency-Key. */
export function databaseUnavailable(): AppError {
  return new AppError(
    'unavailable',
    'The service is unavailable for a moment; retry shortly (with the same Idempotency-Key)',
    { reason: 'database_unavailable', retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS },
    { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) },
  );
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId: string; details: Record<string, unknown> };
}

export function errorBody(error: AppError, requestId: string): ErrorBody {
  return { error: { code: error.code, message: error.message, requestId, details: error.details } };
}
