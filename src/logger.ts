import pino, { type Logger } from 'pino';
import type { Config } from './config.js';

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
