// Small pieces the accounts routes share.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { LANGUAGES, type Language } from '../notifications/templates.js';
import { RateLimiter } from './rate-limit.js';

export function limiterFor(ctx: AppContext): RateLimiter {
  return new RateLimiter(ctx.db, {
    multiplier: ctx.config.accounts.rateLimitMultiplier,
    now: () => ctx.now(),
  });
}

export function secureCookies(ctx: AppContext): boolean {
  return ctx.config.publicUrl.startsWith('https:');
}

/** The first of our languages the browser asks for (Accept-Language, by weight), else English. */
export function requestLanguage(req: FastifyRequest): Language {
  const header = req.headers['accept-language'];
  if (typeof header !== 'string') return 'en';
  const wanted = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { lang: tag.trim().toLowerCase().split('-')[0] ?? '', q: q ? Number(q) : 1, index };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const entry of wanted) {
    const match = LANGUAGES.find((lang) => lang === entry.lang);
    if (match) return match;
  }
  return 'en';
}

/** Answers that carry credentials or personal data must not be cached anywhere. */
export function noStore(reply: FastifyReply): void {
  reply.header('cache-control', 'no-store');
}
