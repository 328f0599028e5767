// One scrape of /metrics: the gauges read from the database and the carriers, the readiness
// probes (cached), then the registry in Prometheus' text format. A gauge that cannot be read
// now (the database is down) keeps its last value; the scrape itself still answers.
import { sameSecret } from '../accounts/secrets.js';
import type { AppContext } from '../context.js';
import { registry } from '../metrics.js';
import { refreshCarrierGauges, refreshDatabaseGauges } from './database-gauges.js';
import { readinessOf } from './readiness.js';

export const METRICS_CONTENT_TYPE = registry.contentType;

export async function scrape(ctx: AppContext): Promise<string> {
  refreshCarrierGauges(ctx);
  await Promise.all([
    refreshDatabaseGauges(ctx).catch((err: unknown) =>
      ctx.logger.warn({ err }, 'metrics: the database gauges could not be read'),
    ),
    readinessOf(ctx).check(),
  ]);
  return registry.metrics();
}

/** Whether `Authorization: Bearer <token>` carries the token, compared in constant time. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return sameSecret(match?.[1] ?? '', token);
}
