// Dispatch throughput: messages sent to the simulator carrier and settled (hold posted, `sent`,
// the receipt applied: `delivered`) per second by one dispatcher on a fresh PostgreSQL. The
// messages are queued first (a campaign, not measured); the clock runs from the dispatcher's
// start to the last message delivered. Target: at least 5,000 messages/s.
//
//   npm run bench -- dispatch [messages=50000]
import { startDispatcher } from '../src/messaging/dispatcher.js';
import { createStagedCampaign } from '../src/messaging/campaigns/create-staged.js';
import { stageJson } from '../src/messaging/campaigns/import-campaign.js';
import { benchCustomer, benchServer } from './campaign.js';
import { log, round } from './support.js';

const SETTINGS = {
  MESSAGE_CARRIER_TPS: '1000000',
  MESSAGE_DISPATCH_BATCH: '2000',
  MESSAGE_DISPATCH_CONCURRENCY: '2000',
  MESSAGE_DISPATCH_INTERVAL_MS: '10',
};

export async function run(args: string[]) {
  const total = Number(args[0] ?? 50_000);
  const server = await benchServer(SETTINGS);
  try {
    const { ctx } = server;
    const customer = await benchCustomer(ctx, String(total * 2));
    log(`queueing ${total} messages…`);
    for (let done = 0; done < total; done += 50_000) {
      const n = Math.min(50_000, total - done);
      const staged = await stageJson(ctx, customer.accountId, {
        name: `dispatch ${done}`,
        text: 'Your code is 123456',
        // Spanish mobiles ending in 1: the simulator delivers every one (it fails numbers ending in 0000).
        recipients: Array.from({ length: n }, (_, i) => ({
          to: `+346${String(done + i).padStart(7, '0')}1`,
        })),
      });
      await createStagedCampaign(ctx, customer.accountId, staged);
    }
    const settled = async () => {
      const { rows } = await ctx.db.query<{ delivered: bigint; sent: bigint }>(
        `select count(*) filter (where status in ('delivered', 'failed'))::bigint as delivered,
                count(*) filter (where status in ('sent', 'delivered', 'failed'))::bigint as sent
           from messages`,
      );
      return { delivered: Number(rows[0]?.delivered ?? 0n), sent: Number(rows[0]?.sent ?? 0n) };
    };
    log('dispatching…');
    const started = performance.now();
    const dispatcher = startDispatcher(ctx);
    let allSentAt = 0;
    for (;;) {
      const now = await settled();
      if (!allSentAt && now.sent === total) allSentAt = performance.now();
      if (now.delivered === total) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    await dispatcher.stop();
    const balance = await ctx.ledger.balance(customer.accountId);
    const sentSeconds = (allSentAt - started) / 1000;
    log(
      `${total} messages: all sent in ${round(sentSeconds, 2)} s, all delivered (settled) in ${round(seconds, 2)} s; ` +
        `held afterwards ${balance?.held}, balance ${balance?.balance}`,
    );
    if (balance?.held !== 0n) throw new Error('credits are still held after every message was delivered');
    return {
      name: 'dispatch',
      value: Math.round(total / seconds),
      unit: 'messages/s sent and settled (delivered, receipt applied)',
      messages: total,
      sent_per_s: Math.round(total / sentSeconds),
      seconds: round(seconds, 2),
      settings: SETTINGS,
      compared_with: 'target: at least 5,000 messages/s, simulator carrier, one dispatcher, PostgreSQL',
      targets: { value: 5_000 },
    };
  } finally {
    await server.close();
  }
}
