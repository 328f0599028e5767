// The account as other domains see it: identity, status, billing data, preferences and its
// owner; read in one query. Also the status rules (when an account becomes active).
import { alertState } from '../balance-alerts/state.js';
import type { AccountVerification } from '../config.js';
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/types.js';
import { formatCredits } from '../ledger/amounts.js';
import { accountVerified, type Language } from '../notifications/templates.js';

export const ACCOUNT_STATUSES = ['pending_verification', 'active', 'suspended'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];
export const CURRENCIES = ['EUR', 'USD', 'GBP', 'CZK'] as const;
export type Currency = (typeof CURRENCIES)[number];

export interface Address {
  line1: string;
  line2: string | null;
  city: string;
  postalCode: string;
  region: string | null;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

export interface Billing {
  legalName: string;
  taxId: string | null;
  /** Normalised (upper case, no spaces), with its country prefix, e.g. ESB12345674. */
  vatId: string | null;
  address: Address;
  invoiceEmail: string;
  /** E.164. */
  mobile: string;
}

export interface Preferences {
  /** Default country for numbers written without +; null until chosen. */
  country: string | null;
  currency: Currency;
  /** IANA time zone. */
  timezone: string;
  language: Language;
  /** The low-balance alert is on (the default). */
  lowBalanceAlertEnabled: boolean;
  /** The alert's limit in credits; null: the default rule (10% of the last purchase). */
  lowBalanceAlertCredits: string | null;
}

export interface Account {
  id: string;
  name: string;
  status: AccountStatus;
  createdAt: Date;
  verifiedAt: Date | null;
  verifiedBy: 'operator' | 'mobile' | null;
  suspendedAt: Date | null;
  suspendedReason: string | null;
  billing: Billing | null;
  mobileVerified: boolean;
  preferences: Preferences;
  owner: { id: string; email: string; name: string; emailVerified: boolean };
}

export interface AccountRow {
  id: string;
  name: string;
  status: AccountStatus;
  created_at: Date;
  verified_at: Date | null;
  verified_by: 'operator' | 'mobile' | null;
  suspended_at: Date | null;
  suspended_reason: string | null;
  legal_name: string | null;
  tax_id: string | null;
  vat_id: string | null;
  address_line1: string | null;
  address_line2: string | null;
  address_city: string | null;
  address_postal_code: string | null;
  address_region: string | null;
  address_country: string | null;
  invoice_email: string | null;
  mobile: string | null;
  mobile_verified_at: Date | null;
  billing_updated_at: Date | null;
  country: string | null;
  currency: Currency;
  timezone: string;
  language: Language;
  low_balance_alert_enabled: boolean;
  low_balance_alert_micros: bigint | null;
  owner_id: string;
  owner_email: string;
  owner_name: string;
  owner_email_verified_at: Date | null;
}

export const ACCOUNT_SELECT = `select a.*, u.id as owner_id, u.email as owner_email, u.name as owner_name,
    u.email_verified_at as owner_email_verified_at
  from accounts a join users u on u.account_id = a.id and u.role = 'owner'`;

export function toAccount(row: AccountRow): Account {
  const billing: Billing | null =
    row.billing_updated_at &&
    row.legal_name !== null &&
    row.address_line1 !== null &&
    row.address_city !== null &&
    row.address_postal_code !== null &&
    row.address_country !== null &&
    row.invoice_email !== null &&
    row.mobile !== null
      ? {
          legalName: row.legal_name,
          taxId: row.tax_id,
          vatId: row.vat_id,
          address: {
            line1: row.address_line1,
            line2: row.address_line2,
            city: row.address_city,
            postalCode: row.address_postal_code,
            region: row.address_region,
            country: row.address_country,
          },
          invoiceEmail: row.invoice_email,
          mobile: row.mobile,
        }
      : null;
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    createdAt: row.created_at,
    verifiedAt: row.verified_at,
    verifiedBy: row.verified_by,
    suspendedAt: row.suspended_at,
    suspendedReason: row.suspended_reason,
    billing,
    mobileVerified: row.mobile_verified_at !== null,
    preferences: {
      country: row.country,
      currency: row.currency,
      timezone: row.timezone,
      language: row.language,
      lowBalanceAlertEnabled: row.low_balance_alert_enabled,
      lowBalanceAlertCredits:
        row.low_balance_alert_micros === null ? null : formatCredits(BigInt(row.low_balance_alert_micros)),
    },
    owner: {
      id: row.owner_id,
      email: row.owner_email,
      name: row.owner_name,
      emailVerified: row.owner_email_verified_at !== null,
    },
  };
}

/** The account, or null. Pass `forUpdate` inside a transaction to lock its row. */
export async function getAccount(
  q: Queryable,
  id: string,
  { forUpdate = false } = {},
): Promise<Account | null> {
  const { rows } = await q.query<AccountRow>(
    `${ACCOUNT_SELECT} where a.id = $1${forUpdate ? ' for update of a' : ''}`,
    [id],
  );
  return rows[0] ? toAccount(rows[0]) : null;
}

export type PurchaseBlocker = 'billing_data' | 'mobile_verification' | 'account_suspended';

/** What stands between the account and a purchase; empty when it may buy. */
export function purchaseBlockers(account: Account): PurchaseBlocker[] {
  const blockers: PurchaseBlocker[] = [];
  if (account.status === 'suspended') blockers.push('account_suspended');
  if (!account.billing) blockers.push('billing_data');
  if (!account.mobileVerified) blockers.push('mobile_verification');
  return blockers;
}

export interface AccountView {
  id: string;
  name: string;
  status: AccountStatus;
  email: string;
  emailVerified: boolean;
  balance: { credits: string; held: string; available: string };
  billing: Billing | null;
  billingComplete: boolean;
  mobile: string | null;
  mobileVerified: boolean;
  canPurchase: boolean;
  canSend: boolean;
  purchaseBlockers: PurchaseBlocker[];
  preferences: Preferences;
  /** The low-balance alert as it stands: the limit in force, and whether it may be sent. */
  lowBalanceAlert: { limit: string | null; defaultRule: boolean; armed: boolean };
  /** Who verifies accounts here (ACCOUNT_VERIFICATION): the steps the portal shows follow it. */
  verification: AccountVerification;
  verifiedAt: string | null;
  createdAt: string;
}

export async function balanceOf(
  ctx: AppContext,
  accountId: string,
): Promise<{ credits: string; held: string; available: string }> {
  const balance = await ctx.ledger.balance(accountId);
  return {
    credits: formatCredits(balance?.balance ?? 0n),
    held: formatCredits(balance?.held ?? 0n),
    available: formatCredits(balance?.available ?? 0n),
  };
}

export async function accountView(ctx: AppContext, account: Account): Promise<AccountView> {
  const blockers = purchaseBlockers(account);
  const alert = await alertState(ctx.db, account.id);
  return {
    id: account.id,
    name: account.name,
    status: account.status,
    email: account.owner.email,
    emailVerified: account.owner.emailVerified,
    balance: await balanceOf(ctx, account.id),
    billing: account.billing,
    billingComplete: account.billing !== null,
    mobile: account.billing?.mobile ?? null,
    mobileVerified: account.mobileVerified,
    canPurchase: blockers.length === 0,
    canSend: account.status === 'active',
    purchaseBlockers: blockers,
    preferences: account.preferences,
    lowBalanceAlert: {
      limit: alert?.limitMicros == null ? null : formatCredits(alert.limitMicros),
      defaultRule: alert?.defaultRule ?? true,
      armed: alert?.armed ?? true,
    },
    verification: ctx.config.accounts.verification,
    verifiedAt: account.verifiedAt?.toISOString() ?? null,
    createdAt: account.createdAt.toISOString(),
  };
}

/**
 * Makes a pending account active once it is verified (by an operator, or by its mobile when
 * ACCOUNT_VERIFICATION=mobile) and its owner's e-mail is verified, and tells the owner.
 * Returns the outbox ids to send after commit.
 */
export async function activateIfReady(ctx: AppContext, tx: Queryable, accountId: string): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(
    `update accounts a set status = 'active'
      where a.id = $1 and a.status = 'pending_verification' and a.verified_at is not null
        and exists (select 1 from users u
                     where u.account_id = a.id and u.role = 'owner' and u.email_verified_at is not null)
      returning a.id`,
    [accountId],
  );
  if (rows.length === 0) return [];
  const account = await getAccount(tx, accountId);
  if (!account) return [];
  const mail = accountVerified(account.preferences.language, {
    name: account.owner.name,
    portalUrl: `${ctx.config.publicUrl}/`,
  });
  return [await ctx.mailer.enqueue(tx, { ...mail, template: 'account-verified', to: account.owner.email })];
}

/** The language of an account's e-mails (English for an operator admin, who has no account). */
export async function languageOf(q: Queryable, accountId: string | null): Promise<Language> {
  if (!accountId) return 'en';
  const { rows } = await q.query<{ language: Language }>('select language from accounts where id = $1', [
    accountId,
  ]);
  return rows[0]?.language ?? 'en';
}
