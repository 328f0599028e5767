// Billing data and preferences: checked field by field (every problem reported with its
// path), normalised, and stored whole. A changed mobile number is unverified again.
import { balanceAlertsOf } from '../balance-alerts/index.js';
import type { AppContext } from '../context.js';
import { AmountError, MAX_TRANSFER_MICROS, parseCredits } from '../ledger/amounts.js';
import { type FieldProblem, notFound, validationFailed } from '../http/errors.js';
import type { Language } from '../notifications/templates.js';
import { type Account, type Billing, type Currency, getAccount, type Preferences } from './account.js';
import { isCountryCode } from './countries.js';
import { parseMobile } from './phone.js';
import { checkVatId } from './vat.js';

export interface BillingInput {
  legalName: string;
  taxId?: string | null;
  vatId?: string | null;
  address: {
    line1: string;
    line2?: string | null;
    city: string;
    postalCode: string;
    region?: string | null;
    country: string;
  };
  invoiceEmail: string;
  mobile: string;
}

export interface PreferencesInput {
  country: string;
  currency: Currency;
  timezone: string;
  language: Language;
  /** Absent: unchanged. */
  lowBalanceAlertEnabled?: boolean;
  /** Credits; null: the default rule (10% of the last purchase); absent: unchanged. */
  lowBalanceAlertCredits?: string | number | null;
}

/** What a preferences update changes; the alert's fields only when given. */
interface PreferencesChange {
  preferences: Omit<Preferences, 'lowBalanceAlertEnabled' | 'lowBalanceAlertCredits'>;
  alertEnabled: boolean | undefined;
  /** undefined: unchanged; null: the default rule. */
  alertMicros: bigint | null | undefined;
}

/** The highest alert limit: one billion credits, as the largest transfer. */
const MAX_ALERT_MICROS = MAX_TRANSFER_MICROS;

function alertLimit(value: string | number | null | undefined, problems: FieldProblem[]) {
  if (value === undefined || value === null) return value;
  const path = 'body.lowBalanceAlertCredits';
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value.trim();
  if (text.startsWith('-')) {
    problems.push({ path, message: 'must not be negative' });
    return undefined;
  }
  try {
    const micros = parseCredits(text);
    if (micros > MAX_ALERT_MICROS) problems.push({ path, message: 'must be at most 1000000000 credits' });
    return micros;
  } catch (error) {
    if (!(error instanceof AmountError)) throw error;
    problems.push({ path, message: error.message });
    return undefined;
  }
}

function required(value: string, path: string, problems: FieldProblem[]): string {
  const trimmed = value.trim();
  if (trimmed === '') problems.push({ path, message: 'is required' });
  return trimmed;
}

function optional(value: string | null | undefined): string | null {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}

/** Checks and normalises billing data; throws validation_failed listing every problem. */
export function normaliseBilling(input: BillingInput, defaultCountry: string | null): Billing {
  const problems: FieldProblem[] = [];
  const legalName = required(input.legalName, 'body.legalName', problems);
  const line1 = required(input.address.line1, 'body.address.line1', problems);
  const city = required(input.address.city, 'body.address.city', problems);
  const postalCode = required(input.address.postalCode, 'body.address.postalCode', problems);
  const country = input.address.country;
  if (!isCountryCode(country)) {
    problems.push({ path: 'body.address.country', message: 'is not an ISO 3166-1 alpha-2 country code' });
  }
  let vatId: string | null = optional(input.vatId);
  if (vatId !== null) {
    const vat = checkVatId(vatId);
    if (vat.ok) vatId = vat.vatId;
    else problems.push({ path: 'body.vatId', message: vat.problem });
  }
  const invoiceEmail = input.invoiceEmail.trim().toLowerCase();
  let mobile = '';
  const phone = parseMobile(input.mobile, defaultCountry ?? (isCountryCode(country) ? country : null));
  if (phone.ok) mobile = phone.e164;
  else problems.push({ path: 'body.mobile', message: phone.problem });
  if (problems.length > 0) throw validationFailed(problems);
  return {
    legalName,
    taxId: optional(input.taxId),
    vatId,
    address: {
      line1,
      line2: optional(input.address.line2),
      city,
      postalCode,
      region: optional(input.address.region),
      country,
    },
    invoiceEmail,
    mobile,
  };
}

let timeZones: Set<string> | null = null;

/** The canonical IANA name of a time zone, or null when there is no such zone. */
export function canonicalTimeZone(name: string): string | null {
  timeZones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC']);
  if (timeZones.has(name)) return name;
  // Aliases (Europe/Kiev, Asia/Calcutta) are real IANA names that the list leaves out.
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/.test(name)) return null;
  try {
    const resolved = new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
    return resolved.includes('/') || resolved === 'UTC' ? resolved : null;
  } catch {
    return null;
  }
}

export function normalisePreferences(input: PreferencesInput): PreferencesChange {
  const problems: FieldProblem[] = [];
  const alertMicros = alertLimit(input.lowBalanceAlertCredits, problems);
  if (!isCountryCode(input.country)) {
    problems.push({ path: 'body.country', message: 'is not an ISO 3166-1 alpha-2 country code' });
  }
  const timezone = canonicalTimeZone(input.timezone);
  if (timezone === null) problems.push({ path: 'body.timezone', message: 'is not an IANA time zone' });
  if (problems.length > 0 || timezone === null) throw validationFailed(problems);
  return {
    preferences: { country: input.country, currency: input.currency, timezone, language: input.language },
    alertEnabled: input.lowBalanceAlertEnabled,
    alertMicros,
  };
}

export async function updateBilling(
  ctx: AppContext,
  accountId: string,
  input: BillingInput,
): Promise<Account> {
  return ctx.db.transaction(async (tx) => {
    const current = await getAccount(tx, accountId, { forUpdate: true });
    if (!current) throw notFound('account');
    const billing = normaliseBilling(input, current.preferences.country);
    const mobileChanged = current.billing?.mobile !== billing.mobile;
    await tx.query(
      `update accounts set legal_name = $2, tax_id = $3, vat_id = $4, address_line1 = $5, address_line2 = $6,
              address_city = $7, address_postal_code = $8, address_region = $9, address_country = $10,
              invoice_email = $11, mobile = $12, billing_updated_at = $13,
              mobile_verified_at = case when $14::boolean then null else mobile_verified_at end
        where id = $1`,
      [
        accountId,
        billing.legalName,
        billing.taxId,
        billing.vatId,
        billing.address.line1,
        billing.address.line2,
        billing.address.city,
        billing.address.postalCode,
        billing.address.region,
        billing.address.country,
        billing.invoiceEmail,
        billing.mobile,
        ctx.now(),
        mobileChanged,
      ],
    );
    if (mobileChanged) await tx.query('delete from mobile_verifications where account_id = $1', [accountId]);
    const updated = await getAccount(tx, accountId);
    if (!updated) throw notFound('account');
    return updated;
  });
}

export async function updatePreferences(
  ctx: AppContext,
  accountId: string,
  input: PreferencesInput,
): Promise<Account> {
  const { preferences, alertEnabled, alertMicros } = normalisePreferences(input);
  const updated = await ctx.db.transaction(async (tx) => {
    const { rowCount } = await tx.query(
      `update accounts set country = $2, currency = $3, timezone = $4, language = $5,
              low_balance_alert_enabled = coalesce($6, low_balance_alert_enabled),
              low_balance_alert_micros = case when $7 then $8::bigint else low_balance_alert_micros end
        where id = $1`,
      [
        accountId,
        preferences.country,
        preferences.currency,
        preferences.timezone,
        preferences.language,
        alertEnabled ?? null,
        alertMicros !== undefined,
        alertMicros ?? null,
      ],
    );
    if (rowCount === 0) throw notFound('account');
    const account = await getAccount(tx, accountId);
    if (!account) throw notFound('account');
    return account;
  });
  // A new limit or switch applies at once, not at the next send (the account may be below it now).
  if (alertEnabled !== undefined || alertMicros !== undefined) balanceAlertsOf(ctx)?.check(accountId);
  return updated;
}
