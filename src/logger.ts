import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';

/** Who a request is: set when it arrives (src/http/app.ts) and when its caller is known. */
export interface RequestLogContext {
  requestId: string;
  /** The customer account the request acts for (null: an operator admin). */
  accountId?: string | null;
  userId?: string;
}

/**
 * The request being served, across every await of its work: every log line written while it
 * runs, by the HTTP layer or by any room's logger (ctx.logger and its children), carries its
 * requestId and, once authenticated, its accountId and userId. Work a request starts and does
 * not wait for (an e-mail sent after commit) keeps them too: that is whose it is.
 */
export const requestLogContext = new AsyncLocalStorage<RequestLogContext>();

/** The current request acts for this account and user (the auth hooks, login). */
export function identifyRequest(accountId: string | null, userId: string): void {
  const current = requestLogContext.getStore();
  if (!current) return;
  current.accountId = accountId;
  current.userId = userId;
}

/** A new object per line: pino merges the line's own fields into what the mixin returns. */
function requestFields(): Record<string, unknown> {
  const current = requestLogContext.getStore();
  if (!current) return {};
  return current.userId === undefined
    ? { requestId: current.requestId }
    : { requestId: current.requestId, accountId: current.accountId, userId: current.userId };
}

/**
 * Structured JSON logs. Credentials are redacted wherever they could appear. Standard output is
 * written asynchronously (a busy server does not wait on the terminal or the log collector for
 * every line); what is still buffered is written on exit.
 */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'tollgate' },
      mixin: requestFields,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["x-csrf-token"]',
          'res.headers["set-cookie"]',
          '*.password',
          '*.token',
          '*.apiKey',
          '*.key',
          '*.code',
        ],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: { method: string; url: string; ip?: string }) => ({
          method: req.method,
          url: req.url.replace(/([?&](?:token|key|code|password|secret|api_key)=)[^&]*/gi, '$1[redacted]'),
          ip: req.ip,
        }),
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
