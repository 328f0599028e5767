// Every answered request into tollgate_http_request_duration_seconds{method, route, status}
// (its _count is the request counter). The route is Fastify's pattern (`/api/v1/messages/:id`),
// never the raw URL, so ids never become labels; requests no route matched are `unmatched`.
// The label set's child is looked up once and kept: an observation costs a map read and a
// bucket increment, on the hot path of every request.
import type { FastifyInstance } from 'fastify';
import { metrics } from '../metrics.js';

type Child = ReturnType<typeof metrics.http.labels>;

export function instrumentHttp(app: FastifyInstance): void {
  const children = new Map<string, Child>();
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const key = `${req.method} ${status} ${route}`;
    let child = children.get(key);
    if (!child) {
      child = metrics.http.labels(req.method, route, String(status));
      children.set(key, child);
    }
    child.observe(reply.elapsedTime / 1000);
    done();
  });
}
