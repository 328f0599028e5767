// The web portal: static files from web/ (plain ES modules, no build step) and the SPA shell
// for every other GET that is not an API path. API and health paths keep their JSON 404s.
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import type { RouteModule } from './app.js';

/** web/ at the repository root, from src/http (tsx) or dist/http (built). */
export const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

/**
 * Modules of the server that the portal runs too, by the path the portal's relative imports
 * resolve to (web/js/sms.js imports ../../src/pricing/sms-parts.js, which the browser asks for as
 * /src/pricing/sms-parts.js). Only these files: the rest of src/ is never served. Found beside
 * this module, so a built tree serves its own copy from dist/.
 */
const SHARED_MODULES: Record<string, string> = {
  '/src/pricing/sms-parts.js': fileURLToPath(new URL('../pricing/', import.meta.url)),
};

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  // Reset and verification tokens travel in page URLs: never hand them to another site.
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

/** Paths whose misses must stay JSON 404s, never the portal's HTML. */
export function isApiPath(pathname: string): boolean {
  return (
    pathname === '/api' ||
    pathname.startsWith('/api/') ||
    pathname === '/health' ||
    pathname.startsWith('/health/')
  );
}

function withSecurityHeaders(reply: FastifyReply): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
}

export const portalRoutes: RouteModule = async (app) => {
  await app.register(async (portal) => {
    portal.addHook('onRequest', async (_req, reply) => {
      withSecurityHeaders(reply);
    });
    // No build step means no hashed file names: let browsers revalidate (ETag) every time.
    await portal.register(fastifyStatic, {
      root: WEB_ROOT,
      wildcard: false,
      index: false,
      cacheControl: false,
      serveDotFiles: false,
      setHeaders: (res) => res.setHeader('cache-control', 'no-cache'),
    });
    for (const [urlPath, directory] of Object.entries(SHARED_MODULES)) {
      const file = urlPath.slice(urlPath.lastIndexOf('/') + 1);
      portal.get(urlPath, { schema: { hide: true } }, (_req, reply) =>
        reply.header('cache-control', 'no-cache').sendFile(file, directory),
      );
    }
    portal.get('/*', { schema: { hide: true } }, (req, reply) => {
      const pathname = req.url.split('?')[0] ?? '/';
      const lastSegment = pathname.slice(pathname.lastIndexOf('/') + 1);
      // API misses and missing assets (a name with an extension) are real 404s.
      if (isApiPath(pathname) || lastSegment.includes('.')) return reply.callNotFound();
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    });
  });
};
