// Several processes and a database restart under load (PostgreSQL only). The test owns its
// PostgreSQL server (test/helpers/own-postgres.ts), never the shared one: two API processes
// (`tollgate serve --no-worker`) and one worker (`tollgate worker`) run on it while a steady
// stream of single sends and two campaigns arrive, each with an Idempotency-Key. One API process is
// killed with SIGKILL, then the database is stopped and started again during the stream.
// Afterwards: every request that was accepted has exactly one message, held once, charged once
// and handed to the carrier once; every request that got an error or no answer, retried with its
// key, ends with exactly one message too; the ledger's invariants hold (`tollgate ledger-check`);
// the surviving processes reconnected by themselves; and a request that met the database down
// was answered `503 unavailable` with Retry-After in the error shape, never 500.
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/index.js';
import { migrate } from '../../src/db/migrate.js';
import type { Db } from '../../src/db/types.js';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { messageIdForKey } from '../../src/messaging/ids.js';
import { ROUTE_MODULES } from '../../src/routes.js';
import { newApiKey } from '../helpers/accounts.js';
import type { TestApp } from '../helpers/app.js';
import { ownPostgres } from '../helpers/own-postgres.js';
import { customerWithCredit, deliverable, FAST, grant } from '../messaging/helpers.js';

const BIN = fileURLToPath(new URL('../../bin/tollgate.mjs', import.meta.url));
const CAMPAIGN_ROWS = 1_000;
const SENDERS = 6;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const owned = await ownPostgres();
if ('unavailable' in owned) {
  process.stdout.write(`restart.pg.test.ts skipped: ${owned.unavailable}\n`);
}

interface Proc {
  name: string;
  child: ChildProcessWithoutNullStreams;
  output: string[];
  base: string | null;
}

/** One answer (or none) to one request. */
interface Answer {
  key: string;
  target: string;
  status: number | null;
  body: unknown;
  retryAfter: string | null;
  sentAt: number;
  answeredAt: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function appOn(db: Db): Promise<TestApp> {
  const config = loadConfig({
    DATA_DIR: '/tmp/tollgate-test',
    LOG_LEVEL: 'silent',
    ACCOUNT_VERIFICATION: 'mobile',
    ...FAST,
  });
  const ctx = createContext(config, db, createLogger(config));
  const app = await buildApp(ctx, ROUTE_MODULES);
  await app.ready();
  return {
    app,
    ctx,
    testDb: {
      db,
      url: undefined,
      openAnother: () => Promise.reject(new Error('unused')),
      drop: () => db.close(),
    },
    logs: [],
    async close() {
      await app.close();
      await ctx.messaging.close();
      await ctx.writer.close();
      await db.close();
    },
  };
}

describe.skipIf('unavailable' in owned)('two API processes and a worker through a database restart', () => {
  const pgServer = owned as Exclude<typeof owned, { unavailable: string }>;
  const procs: Proc[] = [];
  // Made when the test runs (a skipped one leaves nothing behind).
  let dataDir = '';
  afterAll(async () => {
    for (const proc of procs) if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    await pgServer.remove();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function startProc(name: string, args: string[], env: Record<string, string>): Promise<Proc> {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, ...args], {
      env: {
        ...(process.env as Record<string, string>),
        DATABASE_URL: pgServer.url,
        DATABASE_POOL_SIZE: '8',
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        DATA_DIR: dataDir,
        ACCOUNT_VERIFICATION: 'mobile',
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const proc: Proc = {
      name,
      child,
      output: [],
      base: args.includes('worker') ? null : `http://127.0.0.1:${port}`,
    };
    child.stdout.on('data', (chunk: Buffer) => proc.output.push(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => proc.output.push(`STDERR ${chunk.toString('utf8')}`));
    procs.push(proc);
    return proc;
  }

  async function ready(proc: Proc): Promise<void> {
    for (let i = 0; i < 600; i++) {
      if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited:\n${proc.output.join('')}`);
      if (proc.base) {
        const ok = await fetch(`${proc.base}/health`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) return;
      } else if (proc.output.join('').includes('tollgate worker started')) {
        return;
      }
      await sleep(100);
    }
    throw new Error(`${proc.name} did not start:\n${proc.output.join('')}`);
  }

  it('loses nothing, does nothing twice, answers 503 while the database is down, and reconnects', async () => {
    const testStart = performance.now();
    // The schema, a customer with credit and an API key, made in this process.
    dataDir = mkdtempSync(path.join(tmpdir(), 'tollgate-restart-'));
    const setupDb = await openDb({ databaseUrl: pgServer.url, dataDir: 'memory', poolSize: 4 });
    await migrate(setupDb);
    // The processes start (and load the code) while this one makes the customer.
    const quiet = { LOG_LEVEL: 'warn', RATE_LIMIT_MULTIPLIER: '100' };
    const api1 = await startProc('api1', ['serve', '--no-worker'], quiet);
    const api2 = await startProc('api2', ['serve', '--no-worker'], quiet);
    // A short lease, so a message whose settlement met the database down is reconciled soon.
    const worker = await startProc('worker', ['worker'], {
      LOG_LEVEL: 'info',
      MESSAGE_CARRIER_TPS: '400',
      MESSAGE_LEASE_MS: '4000',
    });
    const setup = await appOn(setupDb);
    const alice = await customerWithCredit(setup, null);
    const initialCredits = 1_000_000n * 1_000_000n;
    await grant(setup, alice.accountId, '1000000');
    const key = await newApiKey(setup, alice);
    await setup.close();
    await Promise.all([ready(api1), ready(api2), ready(worker)]);
    const bases = [api1.base as string, api2.base as string];

    const answers: Answer[] = [];
    const bodies = new Map<string, { url: string; body: unknown }>();
    const post = async (
      base: string,
      url: string,
      idempotencyKey: string,
      body: unknown,
    ): Promise<Answer> => {
      const sentAt = performance.now();
      let answer: Answer;
      try {
        const res = await fetch(`${base}${url}`, {
          method: 'POST',
          headers: { ...key.headers, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
        const text = await res.text();
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {}
        answer = {
          key: idempotencyKey,
          target: base,
          status: res.status,
          body: parsed,
          retryAfter: res.headers.get('retry-after'),
          sentAt,
          answeredAt: performance.now(),
        };
      } catch (error) {
        answer = {
          key: idempotencyKey,
          target: base,
          status: null,
          body: String(error),
          retryAfter: null,
          sentAt,
          answeredAt: performance.now(),
        };
      }
      answers.push(answer);
      return answer;
    };

    // The stream: single sends from SENDERS clients, alternating between the two API processes.
    const finalAnswer = new Map<string, Answer>();
    let next = 0;
    let streaming = true;
    const sender = async () => {
      while (streaming) {
        const n = next++;
        const idempotencyKey = `single-${n}`;
        const body = { to: deliverable(), text: `Restart stream ${n}` };
        bodies.set(idempotencyKey, { url: '/api/v1/messages', body });
        const answer = await post(bases[n % 2] as string, '/api/v1/messages', idempotencyKey, body);
        finalAnswer.set(idempotencyKey, answer);
        await sleep(answer.status === null ? 50 : 10);
      }
    };
    const t0 = performance.now();
    const senders = Array.from({ length: SENDERS }, sender);
    // And two campaigns: one while the singles flow, one sent as the database stops (its
    // creation meets the restart somewhere on its way).
    const campaign = (n: number, prefix: string) => {
      const body = {
        name: `Through a restart ${n}`,
        text: `Campaign ${n} through a database restart`,
        // Distinct numbers (a campaign leaves repeated ones out), none ending in 0000.
        recipients: Array.from({ length: CAMPAIGN_ROWS }, (_, i) => ({
          to: `${prefix}${String(i).padStart(5, '0')}1`,
        })),
      };
      bodies.set(`campaign-${n}`, { url: '/api/v1/campaigns', body });
      return post(api2.base as string, '/api/v1/campaigns', `campaign-${n}`, body).then((a) =>
        finalAnswer.set(`campaign-${n}`, a),
      );
    };
    const campaignAnswers = [campaign(1, '+34699')];

    await sleep(1_500);
    api1.child.kill('SIGKILL');
    await sleep(1_500);
    const downAt = performance.now();
    campaignAnswers.push(campaign(2, '+34698'));
    await pgServer.stop('fast');
    await sleep(2_000);
    await pgServer.start();
    const upAt = performance.now();
    await sleep(3_000);
    streaming = false;
    await Promise.all([...senders, ...campaignAnswers]);
    const streamed = next;

    // Every request without a 2xx, retried with its key (API1 is dead: to API2), until answered.
    // (All keys at once, as independent clients would.)
    const streamEndedAt = performance.now();
    const retryDeadline = performance.now() + 30_000;
    const retry = async (idempotencyKey: string, first: Answer) => {
      let answer = first;
      while (answer.status === null || answer.status >= 300) {
        const retryable =
          answer.status === null ||
          answer.status === 503 ||
          (answer.status === 409 &&
            (answer.body as { error?: { details?: { reason?: string } } }).error?.details?.reason ===
              'idempotency_key_in_use');
        if (!retryable) throw new Error(`${idempotencyKey}: ${answer.status} ${JSON.stringify(answer.body)}`);
        if (performance.now() > retryDeadline) {
          const history = answers.filter((a) => a.key === idempotencyKey);
          throw new Error(
            `${idempotencyKey} was never accepted: ${JSON.stringify(history)}\n${api2.output.join('').slice(-3_000)}`,
          );
        }
        await sleep(answer.status === null ? 0 : Math.min(Number(answer.retryAfter ?? 1), 1) * 1_000);
        const request = bodies.get(idempotencyKey) as { url: string; body: unknown };
        answer = await post(api2.base as string, request.url, idempotencyKey, request.body);
      }
      finalAnswer.set(idempotencyKey, answer);
    };
    await Promise.all([...finalAnswer].map(([k, first]) => retry(k, first)));
    const retriedIn = performance.now() - streamEndedAt;

    // What the clients saw: never a 5xx other than 503, and each 503 in the error shape with
    // Retry-After; some requests did meet the database down.
    const serverErrors = answers.filter((a) => a.status !== null && a.status >= 500 && a.status !== 503);
    expect(serverErrors.map((a) => `${a.status} ${JSON.stringify(a.body)}`)).toEqual([]);
    const unavailable = answers.filter((a) => a.status === 503);
    expect(unavailable.length).toBeGreaterThan(0);
    for (const a of unavailable) {
      expect(a.retryAfter).toMatch(/^\d+$/);
      expect(a.body).toMatchObject({
        error: {
          code: 'unavailable',
          requestId: expect.stringMatching(/^req_/),
          details: expect.any(Object),
        },
      });
    }
    const noAnswer = answers.filter((a) => a.status === null).length;

    // Recovery: the surviving API process accepted a send that started after the database was back.
    const firstAfter = answers
      .filter((a) => a.target === api2.base && a.sentAt >= upAt && a.status === 202)
      .sort((a, b) => a.answeredAt - b.answeredAt)[0];
    expect(firstAfter, 'api2 accepted nothing after the restart').toBeDefined();
    const apiRecoveryMs = (firstAfter?.answeredAt ?? 0) - upAt;
    // And it stayed recovered: a request that set out a second after the database was back (a
    // generous margin on a loaded machine; by hand it takes milliseconds) met no 503.
    const lateUnavailable = answers.filter((a) => a.status === 503 && a.sentAt >= upAt + 1_000);
    expect(lateUnavailable).toEqual([]);
    const unavailableAfterUp = answers.filter((a) => a.status === 503 && a.sentAt >= upAt).length;
    const apiRecoveryFromRequestMs = (firstAfter?.answeredAt ?? 0) - (firstAfter?.sentAt ?? 0);

    // Until the worker has handed every message to the carrier and applied every receipt.
    const db = await openDb({ databaseUrl: pgServer.url, dataDir: 'memory', poolSize: 4 });
    try {
      const singles = [...finalAnswer.keys()].filter((k) => k.startsWith('single-'));
      const idOf = (k: string) => (finalAnswer.get(k)?.body as { id?: string } | undefined)?.id;
      const campaignIds = [idOf('campaign-1'), idOf('campaign-2')];
      const expected = singles.length + 2 * CAMPAIGN_ROWS;
      let open = -1;
      for (let i = 0; i < 400; i++) {
        const { rows } = await db.query<{ total: bigint; open: bigint }>(
          `select count(*)::bigint as total,
                  count(*) filter (where status not in ('delivered', 'failed', 'canceled'))::bigint as open
             from messages where account_id = $1`,
          [alice.accountId],
        );
        open = Number(rows[0]?.open ?? -1);
        if (Number(rows[0]?.total ?? 0) === expected && open === 0) break;
        await sleep(100);
      }
      expect(open, worker.output.join('').slice(-4_000)).toBe(0);

      // Each single send: its message is the one its key names (a retry met the first
      // attempt's message), and there is no other.
      const { rows: messages } = await db.query<{
        id: string;
        campaign_id: string | null;
        status: string;
        credits: bigint;
      }>('select id, campaign_id, status, credits from messages where account_id = $1', [alice.accountId]);
      const singleIds = messages
        .filter((m) => m.campaign_id === null)
        .map((m) => m.id)
        .sort();
      const answeredIds = singles.map(idOf).sort();
      expect(new Set(answeredIds).size).toBe(singles.length);
      expect(singleIds).toEqual(answeredIds);
      for (const k of singles) {
        expect(idOf(k)).toBe(messageIdForKey(alice.accountId, k));
      }
      for (const id of campaignIds) {
        expect(messages.filter((m) => m.campaign_id === id)).toHaveLength(CAMPAIGN_ROWS);
      }
      // A campaign per key: retries made no second one.
      const { rows: campaigns } = await db.query<{ n: bigint }>(
        'select count(*)::bigint as n from campaigns where account_id = $1',
        [alice.accountId],
      );
      expect(campaigns[0]?.n).toBe(2n);
      expect(messages.filter((m) => m.status !== 'delivered')).toEqual([]);

      // Dispatched once: what the carrier received, per message.
      const { rows: received } = await db.query<{ id: string; n: bigint }>(
        `select m.id, count(s.id)::bigint as n from messages m
           left join simulator_messages s on s.message_id = m.id
          where m.account_id = $1 group by m.id having count(s.id) <> 1`,
        [alice.accountId],
      );
      expect(received).toEqual([]);
      // Held once and charged once, nothing released or refunded.
      const { rows: transfers } = await db.query<{ kind: string; n: bigint }>(
        `select split_part(t.id, ':', 1) as kind, count(*)::bigint as n
           from ledger_transfers t join messages m on m.id = substr(t.id, strpos(t.id, ':') + 1)
          where m.account_id = $1 and t.id like '%:msg\\_%' group by 1 order by 1`,
        [alice.accountId],
      );
      expect(Object.fromEntries(transfers.map((t) => [t.kind, Number(t.n)]))).toEqual({
        hold: expected,
        post: expected,
      });
      const spent = messages.reduce((sum, m) => sum + m.credits, 0n);
      const { rows: balance } = await db.query<{ posted: bigint; pending: bigint }>(
        `select credits_posted - debits_posted as posted, debits_pending as pending
           from ledger_accounts where id = $1`,
        [alice.accountId],
      );
      expect(balance[0]).toEqual({ posted: initialCredits - spent, pending: 0n });

      // The worker reconnected by itself: it sent messages after the restart.
      const { rows: sentAfter } = await db.query<{ first: Date | null }>(
        `select min(e.at) as first from message_events e join messages m on m.id = e.message_id
          where m.account_id = $1 and e.status = 'sent' and e.at >= $2`,
        [alice.accountId, new Date(Date.now() - (performance.now() - upAt))],
      );
      expect(sentAfter[0]?.first).toBeInstanceOf(Date);
      const workerRecoveryMs =
        (sentAfter[0]?.first?.getTime() ?? 0) - (Date.now() - (performance.now() - upAt));

      // How many messages met the restart between the carrier and their settlement (for the summary).
      const { rows: reconciled } = await db.query<{ n: bigint }>(
        `select count(distinct e.message_id)::bigint as n from message_events e
           join messages m on m.id = e.message_id where m.account_id = $1 and e.detail like '%reconciled%'`,
        [alice.accountId],
      );

      // The ledger's invariants, as an operator checks them.
      const check = await promisify(execFile)(process.execPath, [BIN, 'ledger-check'], {
        env: { ...(process.env as Record<string, string>), DATABASE_URL: pgServer.url, DATA_DIR: dataDir },
      });
      expect(check.stdout.trim()).toBe('ledger ok');

      // Neither survivor died or logged an uncaught error on the way.
      expect(api2.child.exitCode).toBeNull();
      expect(worker.child.exitCode).toBeNull();
      for (const proc of [api2, worker]) {
        expect(proc.output.join('')).not.toMatch(/uncaught|unhandled/i);
      }

      process.stdout.write(
        `restart: ${streamed} single sends and two campaigns of ${CAMPAIGN_ROWS} (the second answered ${
          finalAnswer.get('campaign-2') &&
          answers
            .filter((a) => a.key === 'campaign-2')
            .map((a) => a.status ?? 'none')
            .join(', ')
        }); ${answers.length} requests ` +
          `(${unavailable.length} answered 503, ${noAnswer} unanswered), database down ${Math.round(upAt - downAt)} ms; ` +
          `api2 accepted again ${Math.round(apiRecoveryMs)} ms after the database was back ` +
          `(that request took ${Math.round(apiRecoveryFromRequestMs)} ms; ${unavailableAfterUp} requests sent after it was back got 503), ` +
          `the worker sent again after ${Math.round(workerRecoveryMs)} ms (${reconciled[0]?.n ?? 0n} messages reconciled); retries took ${Math.round(retriedIn)} ms; setup ${Math.round(t0 - testStart)} ms; stream and checks ${Math.round(performance.now() - t0)} ms\n`,
      );
    } finally {
      await db.close();
    }
  }, 120_000);
});
