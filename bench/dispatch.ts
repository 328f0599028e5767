// Dispatch throughput: messages sent to the simulator carrier and settled (hold posted, `sent`,
// the receipt applied: `delivered`) per second by one dispatcher on a fresh PostgreSQL. The
// messages are queued first (a campaign, not measured: its first chunk of 10,000 becomes
// messages at the start, the rest stays in reserved chunks); the clock runs from the
// dispatcher's start to the last message delivered, so it includes the dispatcher feeding the
// campaign's other chunks into messages. Target: at least 5,000 messages/s.
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
    // Watching must not take the database's time from the dispatcher: until every message has
    // left the queue, two look-ups on the partial indexes of due and leased messages; then a
    // count of the whole table until every one is delivered.
    const anyUnsent = async () => {
      const { rows } = await ctx.db.query<{ busy: boolean }>(
        `select exists (select 1 from messages where status in ('scheduled', 'queued')
                          order by next_attempt_at limit 1)
             or exists (select 1 from messages where status = 'sending' order by lease_until limit 1) as busy`,
      );
      return rows[0]?.busy !== false;
    };
    const delivered = async () => {
      const { rows } = await ctx.db.query<{ n: bigint }>(
        `select count(*) filter (where status in ('delivered', 'failed'))::bigint as n from messages`,
      );
      return Number(rows[0]?.n ?? 0n);
    };
    log('dispatching…');
    const started = performance.now();
    const dispatcher = startDispatcher(ctx);
    const tick = () => new Promise((resolve) => setTimeout(resolve, 100));
    while (await anyUnsent()) await tick();
    const allSentAt = performance.now();
    while ((await delivered()) !== total) await tick();
    const seconds = (performance.now() - started) / 1000;
    await dispatcher.stop();
    const balance = await ctx.ledger.balance(customer.accountId);
    const sentSeconds = (allSentAt - started) / 1000;
    log(
      `${total} messages: all sent in ${round(sentSeconds, 2)} s, all delivered (settled) in ${round(seconds, 2)} s; ` +
        `held afterwards ${balance?.held}, balance ${balance?.balance}`,
    );
    if (balance?.held !== 0n) throw new Error('credits are still held after every message was delivered');
    // Not timed: every message went through each status once, with its event, and was charged once.
    const { rows: events } = await ctx.db.query<{ status: string; n: bigint }>(
      `select status, count(*)::bigint as n from message_events group by status`,
    );
    const { rows: posts } = await ctx.db.query<{ n: bigint }>(
      `select count(*)::bigint as n from ledger_transfers where id like 'post:%'`,
    );
    const eventCount = (status: string) => Number(events.find((e) => e.status === status)?.n ?? 0n);
    for (const status of ['sending', 'sent', 'delivered']) {
      if (eventCount(status) !== total)
        throw new Error(`${eventCount(status)} '${status}' events, not ${total}`);
    }
    if (Number(posts[0]?.n ?? 0n) !== total) throw new Error(`${posts[0]?.n} holds posted, not ${total}`);
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
