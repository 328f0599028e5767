// Stripe's error responses: `{ error: { type, code?, decline_code?, message, param?, ... } }` with
// the HTTP status Stripe uses for each case, so the SDK raises the same error classes.
import type { JsonObject, PaymentMethod, StripeErrorObject } from './types.js';

export function docUrl(code: string): string {
  return `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}`;
}

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: StripeErrorObject,
    /** Stripe saves no idempotent result when a request fails validation before it runs. */
    readonly savesIdempotentResult = true,
    readonly headers: Record<string, string> = {},
  ) {
    super(error.message);
    this.name = 'StripeApiError';
  }

  body(): JsonObject {
    return { error: this.error };
  }
}

interface InvalidRequestOptions {
  param?: string;
  code?: string;
  status?: number;
  /** A parameter problem found before anything ran (no idempotent result is kept). */
  validation?: boolean;
}

export function invalidRequest(message: string, options: InvalidRequestOptions = {}): StripeApiError {
  const error: StripeErrorObject = { type: 'invalid_request_error', message };
  if (options.code) {
    error.code = options.code;
    error.doc_url = docUrl(options.code);
  }
  if (options.param) error.param = options.param;
  return new StripeApiError(options.status ?? 400, error, !(options.validation ?? false));
}

export function missingParam(param: string): StripeApiError {
  return invalidRequest(`Missing required param: ${param}.`, {
    param,
    code: 'parameter_missing',
    validation: true,
  });
}

export function unknownParam(param: string): StripeApiError {
  return invalidRequest(`Received unknown parameter: ${param}`, {
    param,
    code: 'parameter_unknown',
    validation: true,
  });
}

export function invalidParam(
  param: string,
  message: string,
  code = 'parameter_invalid_string',
): StripeApiError {
  return invalidRequest(message, { param, code, validation: true });
}

export function resourceMissing(kind: string, id: string, param = 'id'): StripeApiError {
  return invalidRequest(`No such ${kind}: '${id}'`, { param, code: 'resource_missing', status: 404 });
}

export function unexpectedState(message: string, code: string): StripeApiError {
  return invalidRequest(message, { code });
}

export function authenticationError(message: string): StripeApiError {
  // Stripe answers a bad key with 401 and type invalid_request_error; the SDK maps 401 itself.
  return new StripeApiError(401, { type: 'invalid_request_error', message }, false, {
    'www-authenticate': 'Basic realm="Stripe"',
  });
}

export function apiError(status: number): StripeApiError {
  return new StripeApiError(status, { type: 'api_error', message: 'An unknown error occurred' }, false);
}

export function idempotencyError(status: number, message: string): StripeApiError {
  return new StripeApiError(status, { type: 'idempotency_error', message }, false);
}

/** Stripe's messages for the issuer declines the test cards produce. */
export const DECLINE_MESSAGES = {
  generic_decline: 'Your card was declined.',
  insufficient_funds: 'Your card has insufficient funds.',
} as const;

export type DeclineCode = keyof typeof DECLINE_MESSAGES;

/** The card_error of an issuer decline, as in last_payment_error, last_setup_error and a 402. */
export function cardDeclined(declineCode: DeclineCode, method: PaymentMethod): StripeErrorObject {
  return {
    code: 'card_declined',
    decline_code: declineCode,
    doc_url: docUrl('card_declined'),
    message: DECLINE_MESSAGES[declineCode],
    payment_method: structuredClone(method),
    type: 'card_error',
  };
}
