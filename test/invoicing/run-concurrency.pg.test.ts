// Two runs of the same month started at once, each in its own pool (two workers): together
// they issue every invoice once, the numbers 1…N without a gap, each e-mail once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import { monthPeriod, runInvoices } from '../../src/invoicing/index.js';
import { createLogger } from '../../src/logger.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { invoiceInvariants, seedPaidPurchases } from '../helpers/invoice-seed.js';

describe('two invoice runs at once (PostgreSQL)', () => {
  let testDb: TestDb;
  beforeAll(async () => {
    testDb = await createTestDb({ poolSize: 4 });
  });
  afterAll(() => testDb.drop());

  it('issue every invoice once, numbered without a gap', async () => {
    const accounts = 400;
    const period = monthPeriod('2026-10', 'Europe/Madrid');
    await seedPaidPurchases(testDb.db, { prefix: 'twin', accounts, from: period.from, until: period.until });
    const config = loadConfig({
      DATA_DIR: '/tmp/tollgate-test',
      LOG_LEVEL: 'silent',
      INVOICE_RUN_BATCH: '25',
    });
    const logger = createLogger(config);
    const first = createContext(config, testDb.db, logger);
    const second = createContext(config, await testDb.openAnother(4), logger);
    const [a, b] = await Promise.all([
      runInvoices(first, { month: '2026-10', trigger: 'schedule' }),
      runInvoices(second, { month: '2026-10', trigger: 'schedule' }),
    ]);
    expect(a.issued + b.issued).toBe(accounts);
    expect(a.skipped + b.skipped).toBe(accounts);
    expect(a.failed + b.failed).toBe(0);
    const found = await invoiceInvariants(testDb.db, 'TG');
    expect(found.seqs).toEqual(Array.from({ length: accounts }, (_, i) => i + 1));
    expect(found.duplicatedGroups).toBe(0);
    expect(found.purchasesTwice).toBe(0);
    expect(found.emails).toBe(accounts);
    expect(found.emailAddresses).toBe(accounts);
    await Promise.all([first.mailer.drain(), second.mailer.drain()]);
    await Promise.all([first.writer.close(), second.writer.close()]);
  });
});
