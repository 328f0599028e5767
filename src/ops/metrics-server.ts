// /metrics on a port of its own (METRICS_PORT, METRICS_HOST), for a scraper on a private
// network, and for `tollgate worker`, which has no HTTP port otherwise. A plain node:http
// server: it answers GET /metrics (with METRICS_TOKEN set, only to that bearer token) and 404
// to anything else, and never touches the API's routes.
import { createServer, type Server } from 'node:http';
import type { AppContext } from '../context.js';
import { bearerMatches, METRICS_CONTENT_TYPE, scrape } from './scrape.js';

export interface MetricsServer {
  /** Where it listens, e.g. http://127.0.0.1:9464/metrics. */
  url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(ctx: AppContext): Promise<MetricsServer | null> {
  const { port, host, token } = ctx.config.ops.metrics;
  if (port === undefined) return null;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const answer = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    };
    if (req.method !== 'GET' || path !== '/metrics') return answer(404, 'not found: GET /metrics\n');
    if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
      res.setHeader('www-authenticate', 'Bearer');
      return answer(401, 'send the metrics token as Authorization: Bearer <METRICS_TOKEN>\n');
    }
    scrape(ctx).then(
      (body) => answer(200, body, METRICS_CONTENT_TYPE),
      (err: unknown) => {
        ctx.logger.error({ err }, 'metrics scrape failed');
        answer(500, 'the metrics could not be read\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`;
  ctx.logger.info({ url }, 'metrics listening');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
