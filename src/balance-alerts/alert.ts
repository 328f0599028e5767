// The two decisions, each one statement that re-checks everything against committed data, so
// any number of processes acting on the same signal agree: the alert is sent by the statement
// that turns `armed` off while the account is at or below its limit, and `armed` comes back on
// only while it is above. The e-mail and the `balance.low` webhook event are written in the
// transaction that turned it off, and the e-mail goes right after the commit.
import type { AppContext } from '../context.js';
import { formatCredits } from '../ledger/amounts.js';
import { enqueueAccountEvent } from '../messaging/webhooks/account-events.js';
import type { Language } from '../notifications/templates.js';
import { creditsText, lowBalance } from '../notifications/templates-money.js';
import { AVAILABLE_SQL, LIMIT_SQL } from './state.js';

export interface Alerted {
  availableMicros: bigint;
  limitMicros: bigint;
  emailId: string | null;
}

/**
 * Sends the low-balance alert if the account's alert is on and armed and its available credit
 * is at or below the limit now; null when it is not (or another process just sent it).
 */
export async function alertIfLow(ctx: AppContext, accountId: string): Promise<Alerted | null> {
  const alerted = await ctx.db.transaction(async (tx): Promise<Alerted | null> => {
    const now = ctx.now();
    // One statement decides, and reads what the e-mail needs of the account it fired for.
    const { rows } = await tx.query<{
      available: bigint;
      limit_micros: bigint;
      email: string | null;
      name: string | null;
      language: Language;
      default_rule: boolean;
      balance: bigint;
      held: bigint;
      has_webhook: boolean;
    }>(
      `with state as (
         select a.id, ${LIMIT_SQL} as limit_micros, ${AVAILABLE_SQL} as available, a.language,
                a.low_balance_alert_micros is null as default_rule,
                l.credits_posted - l.debits_posted as balance, l.debits_pending as held
           from accounts a join ledger_accounts l on l.id = a.id
          where a.id = $1 and a.low_balance_alert_enabled),
       fired as (
         insert into balance_alerts as b (account_id, armed, alerted_at, alerted_available_micros, alerted_limit_micros)
         select id, false, $2, available, limit_micros from state
          where limit_micros is not null and available <= limit_micros
         on conflict (account_id) do update
            set armed = false, alerted_at = excluded.alerted_at,
                alerted_available_micros = excluded.alerted_available_micros,
                alerted_limit_micros = excluded.alerted_limit_micros
          where b.armed
         returning b.account_id, b.alerted_available_micros, b.alerted_limit_micros)
       select f.alerted_available_micros as available, f.alerted_limit_micros as limit_micros,
              u.email, u.name, s.language, s.default_rule, s.balance, s.held,
              exists (select 1 from message_webhooks w where w.account_id = f.account_id) as has_webhook
         from fired f
         join state s on s.id = f.account_id
         left join users u on u.account_id = f.account_id and u.role = 'owner'`,
      [accountId, now],
    );
    const owner = rows[0];
    if (!owner) return null;
    const availableMicros = BigInt(owner.available);
    const limitMicros = BigInt(owner.limit_micros);
    if (!owner.email || owner.name === null) return { availableMicros, limitMicros, emailId: null };
    const lang = owner.language;
    const base = ctx.config.publicUrl;
    const mail = lowBalance(lang, {
      name: owner.name,
      available: creditsText(availableMicros, lang),
      limit: creditsText(limitMicros, lang),
      defaultRule: owner.default_rule,
      buyUrl: `${base}/buy`,
      preferencesUrl: `${base}/account/preferences`,
    });
    const emailId = await ctx.mailer.enqueue(tx, { ...mail, template: 'low_balance', to: owner.email });
    if (owner.has_webhook) {
      await enqueueAccountEvent(
        tx,
        accountId,
        'balance.low',
        {
          credits: formatCredits(BigInt(owner.balance)),
          held: formatCredits(BigInt(owner.held)),
          available: formatCredits(availableMicros),
          lowBalanceAlertCredits: formatCredits(limitMicros),
        },
        now,
      );
    }
    return { availableMicros, limitMicros, emailId };
  });
  if (alerted?.emailId) ctx.mailer.sendSoon([alerted.emailId]);
  return alerted;
}

/** Arms the alert again if the account's available credit is above its limit now. */
export async function rearmIfRecovered(ctx: AppContext, accountId: string): Promise<boolean> {
  const { rowCount } = await ctx.db.query(
    `update balance_alerts b set armed = true, rearmed_at = $2
       from accounts a join ledger_accounts l on l.id = a.id
      where b.account_id = $1 and a.id = b.account_id and not b.armed
        and (${LIMIT_SQL} is null or ${AVAILABLE_SQL} > ${LIMIT_SQL})`,
    [accountId, ctx.now()],
  );
  return rowCount > 0;
}
