// GET /health/ready for a load balancer: 200 when every dependency answers, 503 in the error
// shape naming what is down (the database, SMTP, the carrier's bind); probes bounded in time,
// their answer cached and shared; HEALTH_READY_REQUIRES decides what counts. GET /health stays
// liveness whatever the dependencies do.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { FakeSmsc, until } from '../unit/smpp/fake-smsc.js';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A server that takes connections and never says a word (an SMTP server hung at its greeting). */
async function silentServer(): Promise<{
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => count,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const ready = (t: { app: TestApp['app'] }) => t.app.inject({ method: 'GET', url: '/health/ready' });

describe('GET /health/ready', () => {
  let smtp: TestSmtp;
  let smsc: FakeSmsc;
  let t: TestApp;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    smsc = new FakeSmsc({ systemId: 'tollgate', password: 'secret' });
    const port = await smsc.listen();
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        SMPP_HOST: '127.0.0.1',
        SMPP_PORT: String(port),
        SMPP_SYSTEM_ID: 'tollgate',
        SMPP_PASSWORD: 'secret',
        CARRIER_ROUTES: '+44=smpp,*=simulator',
        HEALTH_READY_CACHE_MS: '0',
      },
    });
    await until(() => smsc.sessions > 0, 10_000, 'the SMPP bind');
  });
  afterAll(async () => {
    await t.ctx.messaging.close();
    await t.ctx.carrier.close?.();
    await t.close();
    await smsc.close();
    await smtp.close();
  });

  it('answers 200 with every probe when the database, SMTP and the carrier binds answer', async () => {
    const res = await ready(t);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toMatchObject({
      status: 'ready',
      checks: {
        database: { status: 'up', detail: expect.stringMatching(/pglite|postgres/) },
        smtp: { status: 'up', detail: 'smtp' },
        carrier: { status: 'up', detail: 'simulator, smpp' },
      },
    });
    expect(res.json().checks.stripe).toBeUndefined();
  });

  it('answers 503 naming the carrier while the SMPP bind is down', async () => {
    smsc.drop();
    await smsc.close();
    let res = await ready(t);
    for (let i = 0; i < 50 && res.statusCode === 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      res = await ready(t);
    }
    expect(res.statusCode, res.body).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    const { error } = res.json();
    expect(error).toMatchObject({
      code: 'unavailable',
      message: 'Not ready: carrier is down',
      requestId: expect.stringMatching(/^req_/),
      details: { down: ['carrier'], checks: { database: { status: 'up' }, smtp: { status: 'up' } } },
    });
    expect(error.details.checks.carrier.error).toMatch(/^smpp not bound/);
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });

  it('answers 503 naming SMTP when its server is gone, without its password', async () => {
    await smtp.stop();
    try {
      const res = await ready(t);
      expect(res.statusCode).toBe(503);
      expect(res.json().error.details.down).toEqual(['smtp', 'carrier']);
      expect(res.json().error.details.checks.smtp.error).toMatch(/ECONNREFUSED/);
      expect(res.body).not.toContain('smtp-secret');
    } finally {
      await smtp.start();
    }
  });
});

describe('probes in time, cached and shared', () => {
  it('a dependency that hangs is down after HEALTH_READY_TIMEOUT_MS; concurrent callers share one probe', async () => {
    const silent = await silentServer();
    const t = await createTestApp({
      env: {
        SMTP_URL: `smtp://127.0.0.1:${silent.port}`,
        HEALTH_READY_TIMEOUT_MS: '300',
        HEALTH_READY_CACHE_MS: '60000',
      },
    });
    try {
      const started = performance.now();
      const answers = await Promise.all(Array.from({ length: 20 }, () => ready(t)));
      expect(performance.now() - started).toBeLessThan(5_000);
      for (const res of answers) {
        expect(res.statusCode).toBe(503);
        expect(res.json().error.details.checks.smtp.error).toBe('no answer within 300 ms');
      }
      // Asked again within the cache period: the same answer, no new probe.
      expect((await ready(t)).statusCode).toBe(503);
      expect(silent.connections()).toBe(1);
    } finally {
      await t.close();
      await silent.close();
    }
  });

  it('HEALTH_READY_REQUIRES leaves a dependency reported but not counted', async () => {
    const t = await createTestApp({
      env: {
        SMTP_URL: `smtp://127.0.0.1:${await closedPort()}`,
        HEALTH_READY_REQUIRES: 'database,carrier',
        HEALTH_READY_CACHE_MS: '0',
      },
    });
    try {
      const res = await ready(t);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().checks.smtp).toMatchObject({
        status: 'down',
        error: expect.stringMatching(/ECONNREFUSED/),
      });
    } finally {
      await t.close();
    }
  });

  it('names the database when it refuses every query, while GET /health still answers 200', async () => {
    const t = await createTestApp({ env: { HEALTH_READY_CACHE_MS: '0' } });
    const query = t.ctx.db.query;
    try {
      t.ctx.db.query = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
      const res = await ready(t);
      expect(res.statusCode, res.body).toBe(503);
      expect(res.json().error.details).toMatchObject({
        down: ['database'],
        checks: { database: { status: 'down', error: 'connect ECONNREFUSED 127.0.0.1:5432' } },
      });
      const live = await t.app.inject({ method: 'GET', url: '/health' });
      expect(live.statusCode, live.body).toBe(200);
    } finally {
      t.ctx.db.query = query;
      await t.close();
    }
  });
});
