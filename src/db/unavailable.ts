// Whether an error means "the database cannot be reached for now" (down, restarting, the
// connection lost), as opposed to a fault of the statement or of our code. Such a request is
// answered `503 unavailable` with Retry-After (src/http/app.ts), never `500`: retried with its
// Idempotency-Key once the database is back, it finds what the first attempt committed.

/** SQLSTATEs of a server that is going away, starting up or unreachable. */
const UNAVAILABLE_STATES = new Set([
  '57P01', // admin_shutdown: terminating connection due to administrator command
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the database system is starting up / shutting down
  '53300', // too_many_connections (a restart's reconnection storm)
]);

/** Socket errors of a server that is not there (Node's error codes). */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTCONN',
]);

/** What node-postgres says when a connection ends under a query or cannot be made in time. */
const DRIVER_MESSAGES = [
  'Connection terminated',
  'connection error and is not queryable',
  'timeout exceeded when trying to connect',
  'Client was closed and is not queryable',
];

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const { code, message, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string') {
    if (
      UNAVAILABLE_STATES.has(code) ||
      (code.length === 5 && code.startsWith('08')) ||
      SOCKET_CODES.has(code)
    )
      return true;
  }
  if (typeof message === 'string' && DRIVER_MESSAGES.some((m) => message.includes(m))) return true;
  // A connection to several addresses (localhost: ::1 and 127.0.0.1) fails as an AggregateError.
  if (Array.isArray(errors) && errors.some((e) => isDatabaseUnavailable(e, depth + 1))) return true;
  return cause !== undefined && isDatabaseUnavailable(cause, depth + 1);
}

/**
 * Runs `fn` again while it fails because the database cannot be reached, for up to `maxMs`;
 * for work that must not fail once something it depends on has committed (a retry of the
 * failed request would do that something twice). Any other error, or the time running out,
 * is thrown.
 */
export async function whileDatabaseUnavailable<T>(fn: () => Promise<T>, maxMs = 10_000): Promise<T> {
  const giveUpAt = performance.now() + maxMs;
  let pause = 100;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (!isDatabaseUnavailable(error) || performance.now() + pause > giveUpAt) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 1_000);
    }
  }
}
