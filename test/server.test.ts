import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { parseCredits } from '../src/ledger/amounts.js';
import { start } from '../src/server.js';
import { createPostgresDatabase, testDbKind } from './helpers/db.js';

describe('the server process', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  async function env(): Promise<Record<string, string>> {
    const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-server-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const base: Record<string, string> = {
      PORT: '0',
      DATA_DIR: dir,
      LOG_LEVEL: 'silent',
      LEDGER_BATCH_LINGER_MS: '200',
    };
    if (testDbKind() === 'postgres') {
      const created = await createPostgresDatabase();
      cleanups.push(created.drop);
      base.DATABASE_URL = created.url;
    }
    return base;
  }

  it('starts on the configured database, answers /health, and migrates by itself', async () => {
    const running = await start(loadConfig(await env()), { worker: false });
    try {
      const res = await fetch(`${running.url}/health`);
      expect(await res.json()).toMatchObject({
        status: 'ok',
        database: testDbKind(),
        version: expect.any(String),
      });
    } finally {
      await running.stop();
    }
  });

  it('writes the ledger batches already queued when it shuts down', async () => {
    const config = loadConfig(await env());
    const running = await start(config, { worker: true });
    const { ledger, writer } = running.ctx;
    await ledger.openCustomerAccount('acc_shutdown');
    await ledger.apply([
      {
        type: 'transfer',
        id: 'fund_sd',
        debit: { system: 'sales' },
        credit: 'acc_shutdown',
        amount: parseCredits('10'),
        code: 'purchase',
      },
    ]);
    // Lingering 200 ms: these are still queued when stop() begins.
    const queued = Array.from({ length: 5 }, (_, i) =>
      writer.submit({
        type: 'transfer',
        id: `sd_${i}`,
        debit: 'acc_shutdown',
        credit: { system: 'consumption' },
        amount: parseCredits('1'),
        code: 'consumption',
      }),
    );
    await running.stop();
    expect((await Promise.all(queued)).every((r) => r.ok)).toBe(true);

    const again = await start(config, { worker: false });
    try {
      expect((await again.ctx.ledger.balance('acc_shutdown'))?.balance).toBe(parseCredits('5'));
    } finally {
      await again.stop();
    }
  });
});
