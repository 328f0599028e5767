// Configuration: the environment, read and validated in one place at start-up.
// Every other module receives a typed Config; nothing else reads process.env.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { EU_STANDARD_VAT_RATES, type EuVatRates, euVatRates } from './pricing/eu-vat-rates.js';

/** Who verifies a customer account before it may send (ACCOUNT_VERIFICATION). */
export const ACCOUNT_VERIFICATIONS = ['staff', 'mobile'] as const;
export type AccountVerification = (typeof ACCOUNT_VERIFICATIONS)[number];

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Absent: embedded PGlite in dataDir. */
  databaseUrl: string | undefined;
  /** Connections in the PostgreSQL pool (ignored on PGlite, which has one). */
  databasePoolSize: number;
  publicUrl: string;
  logLevel: LogLevel;
  nodeEnv: string;
  /**
   * Whose X-Forwarded-For to believe for the client's address (per-IP rate limits, logs):
   * true, false, or addresses and subnets (`loopback`, `10.0.0.0/8`, …). Trusting everyone
   * would let any client pick its own address.
   */
  trustProxy: boolean | string;
  ledger: {
    /** How long a single debit may wait for companions before its batch is written. */
    batchLingerMs: number;
    /** The most debits written in one transaction. */
    batchMax: number;
  };
  accounts: {
    /**
     * Who verifies an account (ACCOUNT_VERIFICATION). `staff` (the default): an operator does
     * (POST /admin/accounts/{id}/verify), after the owner has confirmed the e-mail, filled in the
     * billing data and verified the mobile. `mobile`: the account becomes active by itself once
     * its e-mail and its mobile are verified.
     */
    verification: AccountVerification;
    /** A session ends after this many hours without use (and after 30 days whatever happens). */
    sessionIdleHours: number;
    /** Multiplies every sign-up, login, reset and code-check limit (raise it for load tests). */
    rateLimitMultiplier: number;
    /** Start-up bootstrap: an admin with these credentials is created when none exists. */
    bootstrapAdmin: { email: string; password: string } | undefined;
    /**
     * ADMIN_TWO_FACTOR: `required` (always with NODE_ENV=production) makes operator admins, who
     * can mint credits, log in with a TOTP code, enrolling at their first login; `optional` (the
     * default elsewhere) leaves it to each user, so a newcomer's first login stays one step.
     */
    adminTwoFactor: 'required' | 'optional';
  };
  mail: {
    /** smtp:// or smtps:// (with user:password@ when the server wants auth); absent: .eml files. */
    smtpUrl: string | undefined;
    from: string;
  };
  sms: {
    /** The default route (CARRIER_DEFAULT, or `*` in CARRIER_ROUTES; SMS_CARRIER is an older name). */
    carrier: CarrierName;
    /** The sender shown on the system's own messages (verification codes). */
    sender: string;
    /** Simulator: how long until its delivery receipt (0: at once). */
    simulatorReceiptDelayMs: number;
  };
  carriers: {
    /** CARRIER_ROUTES without `*`: the longest prefix matching a destination picks its carrier. */
    routes: readonly CarrierRoute[];
    /** Present when SMPP_HOST is set; a route may name `smpp` only then. */
    smpp: SmppConfig | undefined;
  };
  messaging: MessagingConfig;
  /** Campaign imports and customers' message webhooks (src/messaging/campaigns, webhooks). */
  campaigns: CampaignsConfig;
  /** The operator who sells credits: tax is decided from here, invoices are issued in this name. */
  issuer: {
    name: string;
    /** Postal address, lines separated by "\n". */
    address: string;
    /** ISO 3166-1 alpha-2. */
    country: string;
    /** The home VAT rate in basis points (2100 = 21 %). */
    vatRateBasisPoints: number;
    vatId: string | undefined;
  };
  /** VAT of sales to other EU member states (src/pricing/tax.ts, src/purchases/vat). */
  vat: VatConfig;
  /** Where bank-transfer purchases are paid to; undefined: bank transfer is not offered. */
  bankTransfer:
    | {
        /** Normalised: upper case, no spaces; checksum verified at start-up. */
        iban: string;
        bic: string;
        beneficiary: string;
        /** Days a customer has to pay before the order expires. */
        dueDays: number;
        /** True when these are the built-in sandbox details, not a real account. */
        sandbox: boolean;
      }
    | undefined;
  /** Card payments through Stripe (src/purchases/providers/stripe). */
  stripe: StripeConfig;
  /** Readiness probes and Prometheus metrics (src/ops). */
  ops: OpsConfig;
  /** Monthly invoices and credit notes (src/invoicing). */
  invoicing: InvoicingConfig;
  /** Automatic refills (src/refills). */
  refills: RefillsConfig;
}

export interface RefillsConfig {
  /** AUTO_REFILL_RETRY_DELAYS: the wait after the 1st, 2nd, … decline in a row (the last repeats). */
  retryDelaysMs: number[];
  /** AUTO_REFILL_MAX_FAILURES: declines in a row after which the rule pauses. */
  maxFailures: number;
  /** AUTO_REFILL_RULES_REFRESH_MS: how often a process re-reads the rules its trigger keeps in memory. */
  rulesRefreshMs: number;
}

/** What invoices print about the issuer and how they are numbered and delivered (src/invoicing). */
export interface InvoicingConfig {
  /** The issuer's postal address as an invoice prints it (ISSUER_STREET, ISSUER_CITY, ISSUER_POSTAL_CODE). */
  issuerAddressLines: string[];
  issuerCity: string;
  issuerPostalCode: string;
  /** ISSUER_TIME_ZONE (IANA): months, issue dates and the business-day calendar are read there. */
  timeZone: string;
  /** ISSUER_REGION: a region of the issuer's country whose public holidays also count (e.g. MD). */
  region: string | undefined;
  /** INVOICE_SERIES (default TG) and CREDIT_NOTE_SERIES (default TGC): numbers TG-2026-000123. */
  invoiceSeries: string;
  creditNoteSeries: string;
  /** INVOICE_LOGO: a PNG or JPEG printed on the PDF, if set (checked to exist at start-up). */
  logoPath: string | undefined;
  /** INVOICE_EMAIL_ATTACH_PDF: the delivery e-mail carries the PDF (true) or only the link. */
  attachPdf: boolean;
  /** INVOICE_RUN_SCHEDULE: the worker issues each month's invoices by itself (true) or only by hand. */
  schedule: boolean;
  /** INVOICE_RUN_BATCH: accounts invoiced per transaction. */
  batchSize: number;
}

export interface VatConfig {
  /** EU_VAT_RATES: the operator's replacements for the table's standard rates (basis points). */
  euRateOverrides: EuVatRates;
  /** The standard rate of every member state in force: the table with the overrides laid over it. */
  euRates: EuVatRates;
  /**
   * VIES_URL: the base of the European Commission's VIES REST API (POST {url}/check-vat-number),
   * or a stand-in. Undefined (the default): VAT ids are checked for form and check digits only.
   */
  vies: { url: string; timeoutMs: number } | undefined;
}

/** What operators watch: GET /health/ready and /metrics (src/ops, docs/OPERATIONS.md). */
export interface OpsConfig {
  /** Dependencies whose failure makes GET /health/ready answer 503 (all are reported). */
  readyRequires: readonly ReadyDependency[];
  /** How long one readiness answer is reused, so a load balancer may ask every second. */
  readyCacheMs: number;
  /** How long one probe may take before its dependency counts as down. */
  readyTimeoutMs: number;
  metrics: {
    /** METRICS_TOKEN: /metrics on the main port, for `Authorization: Bearer <token>` only. */
    token: string | undefined;
    /** METRICS_PORT: /metrics on a port of its own (also for `tollgate worker`). */
    port: number | undefined;
    host: string;
    /** How long the gauges read from the database (outbox, held credits…) are reused between scrapes. */
    gaugeMaxAgeMs: number;
    /** True when either is set: requests, batches, sends… are measured. */
    enabled: boolean;
  };
}

export type ReadyDependency = 'database' | 'smtp' | 'stripe' | 'carrier';

/** Stripe, or the Stripe sandbox (tools/stripe-sandbox) that stands in for it. */
export interface StripeConfig {
  /**
   * STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET. Undefined when no key is given: `serve` then
   * starts the sandbox in-process (never with NODE_ENV=production) and puts its keys here.
   */
  keys: { secretKey: string; webhookSecret: string } | undefined;
  /** STRIPE_API_BASE: a separately running sandbox; undefined: Stripe itself (api.stripe.com). */
  apiBase: string | undefined;
  /** True when payments go to the sandbox, not to Stripe: the API and portal say SANDBOX. */
  sandbox: boolean;
  /** Retries of a call that met a network error, a timeout or a 5xx (same idempotency key). */
  maxNetworkRetries: number;
  /** How long one call to Stripe may take. */
  timeoutMs: number;
}

/** Sending, dispatch and the outbox (src/messaging). */
export interface MessagingConfig {
  /** Most SMS parts one message may take (MESSAGE_MAX_PARTS). */
  maxParts: number;
  /** Refund a message the carrier took but reported undelivered (MESSAGE_REFUND_UNDELIVERED). */
  refundUndelivered: boolean;
  /** Most messages one dispatcher claims at once. */
  dispatchBatch: number;
  /** How often a worker looks for due messages when it found none. */
  dispatchIntervalMs: number;
  /** Submits in flight at once per worker. */
  dispatchConcurrency: number;
  /** How long a claimed message belongs to its dispatcher before it is reconciled. */
  leaseMs: number;
  /** A submit not answered within this is treated as of unknown outcome (left to reconciliation). */
  submitTimeoutMs: number;
  /** Transient carrier failures before a message fails (and its hold is released). */
  maxAttempts: number;
  /** First retry delay; doubled for each further attempt, at most an hour. */
  retryBaseMs: number;
  /** Messages per second to a carrier that does not declare its own throughput. */
  carrierTps: number;
}

export interface CampaignsConfig {
  /** The largest campaign file accepted (CAMPAIGN_UPLOAD_MAX_BYTES). */
  uploadMaxBytes: number;
  /**
   * Rows per reserved chunk of a started campaign (CAMPAIGN_CHUNK_ROWS): one ledger hold each,
   * and the rows the dispatcher turns into messages at a time.
   */
  chunkRows: number;
  /** Delivery attempts of one webhook event before it is given up (WEBHOOK_MAX_ATTEMPTS). */
  webhookMaxAttempts: number;
  /** First retry delay of a webhook delivery, doubled per attempt (WEBHOOK_RETRY_BASE_MS). */
  webhookRetryBaseMs: number;
  /** How long a customer's endpoint may take to answer (WEBHOOK_TIMEOUT_MS). */
  webhookTimeoutMs: number;
  /**
   * Whether webhooks may reach loopback, private and link-local addresses
   * (WEBHOOK_PRIVATE_ADDRESSES: refuse, the default in every mode, so a customer's URL cannot
   * make the server call the operator's own network; allow only where every customer is trusted,
   * or for a local receiver in development and tests).
   */
  webhookPrivateAddresses: 'allow' | 'refuse';
}

export type CarrierName = 'simulator' | 'smpp';

export interface CarrierRoute {
  /** `+` and 1 to 15 digits. */
  prefix: string;
  carrier: CarrierName;
}

export interface SmppConfig {
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType: string;
  /** The most submit_sm awaiting their response at once. */
  window: number;
  /** Messages (submit_sm PDUs) per second; 0: no limit. */
  throughput: number;
  enquireLinkMs: number;
  /** The sender when a message names none. */
  defaultSource: string;
  /** Texts that need no UCS-2 go as GSM 03.38 (SMPP_ALPHABET=gsm) or Latin-1, data_coding 3 (latin1). */
  alphabet: 'GSM-7' | 'Latin-1';
  /** data_coding of GSM 03.38 text: 0, the SMSC's default alphabet, or 1, which some SMSCs read as GSM. */
  gsmDataCoding: 0 | 1;
  /** GSM 03.38 text one septet an octet, or packed (8 septets in 7 octets). */
  gsmPacking: 'unpacked' | 'packed';
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function text(env: Env, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value === '' ? fallback : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = text(env, name, fallback);
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function url(
  env: Env,
  name: string,
  fallback: string | undefined,
  protocols: readonly string[],
): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return raw;
}

const EMAIL = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;

function bootstrapAdmin(env: Env): { email: string; password: string } | undefined {
  const email = text(env, 'TOLLGATE_ADMIN_EMAIL', '').trim().toLowerCase();
  const password = text(env, 'TOLLGATE_ADMIN_PASSWORD', '');
  if (!email && !password) return undefined;
  if (!email)
    throw new ConfigError('TOLLGATE_ADMIN_EMAIL', 'is required when TOLLGATE_ADMIN_PASSWORD is set');
  if (!password)
    throw new ConfigError('TOLLGATE_ADMIN_PASSWORD', 'is required when TOLLGATE_ADMIN_EMAIL is set');
  if (!EMAIL.test(email))
    throw new ConfigError('TOLLGATE_ADMIN_EMAIL', `is not an e-mail address: "${email}"`);
  return { email, password };
}

function mailFrom(env: Env, publicUrl: string): string {
  const raw = text(env, 'MAIL_FROM', `Tollgate <no-reply@${new URL(publicUrl).hostname}>`).trim();
  const address = /<([^<>]+)>$/.exec(raw)?.[1] ?? raw;
  if (!EMAIL.test(address) && !/^[^\s@]+@localhost$/.test(address)) {
    throw new ConfigError('MAIL_FROM', `must be an address or "Name <address>", got "${raw}"`);
  }
  return raw;
}

/** An alphanumeric sender (up to 11 characters) or a number. */
function smsSender(env: Env): string {
  const raw = text(env, 'SMS_SENDER', 'Tollgate').trim();
  if (!/^[A-Za-z0-9 ._-]{1,11}$/.test(raw) && !/^\+?[0-9]{3,15}$/.test(raw)) {
    throw new ConfigError('SMS_SENDER', `must be up to 11 letters and digits, or a number, got "${raw}"`);
  }
  return raw;
}

const CARRIERS: readonly CarrierName[] = ['simulator', 'smpp'];

function smppConfig(env: Env, sender: string): SmppConfig | undefined {
  const host = text(env, 'SMPP_HOST', '').trim();
  if (!host) return undefined;
  const systemId = text(env, 'SMPP_SYSTEM_ID', '').trim();
  if (!systemId) throw new ConfigError('SMPP_SYSTEM_ID', 'is required when SMPP_HOST is set');
  if (systemId.length > 15) throw new ConfigError('SMPP_SYSTEM_ID', 'must be at most 15 characters');
  const password = text(env, 'SMPP_PASSWORD', '');
  if (password.length > 8) throw new ConfigError('SMPP_PASSWORD', 'must be at most 8 characters (SMPP 3.4)');
  return {
    host,
    port: integer(env, 'SMPP_PORT', 2775, 1, 65535),
    systemId,
    password,
    systemType: text(env, 'SMPP_SYSTEM_TYPE', ''),
    window: integer(env, 'SMPP_WINDOW', 10, 1, 1000),
    throughput: integer(env, 'SMPP_THROUGHPUT', 0, 0, 100_000),
    enquireLinkMs: integer(env, 'SMPP_ENQUIRE_LINK_MS', 30_000, 1000, 3_600_000),
    defaultSource: text(env, 'SMPP_DEFAULT_SOURCE', sender).trim(),
    alphabet: oneOf(env, 'SMPP_ALPHABET', 'gsm', ['gsm', 'latin1']) === 'latin1' ? 'Latin-1' : 'GSM-7',
    gsmDataCoding: oneOf(env, 'SMPP_GSM_DATA_CODING', '0', ['0', '1']) === '1' ? 1 : 0,
    gsmPacking: oneOf(env, 'SMPP_GSM_PACKING', 'unpacked', ['unpacked', 'packed']),
  };
}

/** CARRIER_ROUTES="+44=smpp,+1=smpp,*=simulator"; every carrier named must be configured. */
function carrierRoutes(env: Env, smpp: SmppConfig | undefined) {
  const name = 'CARRIER_ROUTES';
  const configured = (carrier: CarrierName, variable: string, what: string): CarrierName => {
    if (carrier === 'smpp' && !smpp)
      throw new ConfigError(variable, `${what} names carrier smpp, which is not configured (set SMPP_HOST)`);
    return carrier;
  };
  const routes: CarrierRoute[] = [];
  let fallback: CarrierName | undefined;
  for (const entry of text(env, name, '').split(',')) {
    if (entry.trim() === '') continue;
    const match = /^\s*(\*|\+[0-9]{1,15})\s*=\s*([a-z]+)\s*$/.exec(entry);
    if (!match?.[1] || !match[2])
      throw new ConfigError(name, `"${entry.trim()}" is not "+<digits>=<carrier>" or "*=<carrier>"`);
    const [, prefix, carrierName] = match;
    if (!(CARRIERS as readonly string[]).includes(carrierName))
      throw new ConfigError(
        name,
        `route ${prefix} names unknown carrier "${carrierName}" (${CARRIERS.join(', ')})`,
      );
    const carrier = configured(carrierName as CarrierName, name, `route ${prefix}`);
    if (prefix === '*' ? fallback !== undefined : routes.some((r) => r.prefix === prefix))
      throw new ConfigError(name, `route ${prefix} is given twice`);
    if (prefix === '*') fallback = carrier;
    else routes.push({ prefix, carrier });
  }
  const explicit = text(env, 'CARRIER_DEFAULT', text(env, 'SMS_CARRIER', ''));
  let carrier = fallback ?? 'simulator';
  if (explicit) {
    const variable = env.CARRIER_DEFAULT ? 'CARRIER_DEFAULT' : 'SMS_CARRIER';
    const chosen = configured(oneOf(env, variable, 'simulator', CARRIERS), variable, 'the default route');
    if (fallback !== undefined && fallback !== chosen)
      throw new ConfigError(name, `the default route * (${fallback}) contradicts ${variable} (${chosen})`);
    carrier = chosen;
  }
  return { carrier, routes };
}

function adminTwoFactor(env: Env, nodeEnv: string): 'required' | 'optional' {
  const production = nodeEnv === 'production';
  const chosen = oneOf(env, 'ADMIN_TWO_FACTOR', production ? 'required' : 'optional', [
    'required',
    'optional',
  ] as const);
  if (production && chosen !== 'required') {
    throw new ConfigError(
      'ADMIN_TWO_FACTOR',
      'must be required with NODE_ENV=production (admins can mint credits)',
    );
  }
  return chosen;
}

const PROXY_NAMES = /^(loopback|linklocal|uniquelocal)$/;
const PROXY_ADDRESS = /^[0-9A-Fa-f:.]+(\/\d{1,3})?$/;

function trustProxy(env: Env): boolean | string {
  const raw = text(env, 'TRUST_PROXY', 'loopback').trim();
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  const parts = raw.split(',').map((part) => part.trim());
  if (parts.every((part) => PROXY_NAMES.test(part) || PROXY_ADDRESS.test(part))) return parts.join(',');
  throw new ConfigError('TRUST_PROXY', `must be true, false or addresses and subnets, got "${raw}"`);
}

function issuerConfig(env: Env): Config['issuer'] {
  const country = text(env, 'ISSUER_COUNTRY', 'ES').trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(country) || !isSupportedCountry(country)) {
    throw new ConfigError('ISSUER_COUNTRY', `must be an ISO 3166 country code such as ES, got "${country}"`);
  }
  const rate = text(env, 'ISSUER_VAT_RATE', '21').trim().replace(/%$/, '');
  const match = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(rate);
  const basisPoints = match ? Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0')) : Number.NaN;
  if (!match || basisPoints > 10_000) {
    throw new ConfigError(
      'ISSUER_VAT_RATE',
      `must be a percent from 0 to 100 such as "21" or "5.5", got "${rate}"`,
    );
  }
  const vatId = text(env, 'ISSUER_VAT_ID', '')
    .toUpperCase()
    .replace(/[\s.-]/g, '');
  const prefix = country === 'GR' ? 'EL' : country;
  if (vatId && !new RegExp(`^${prefix}[A-Z0-9+*]{2,13}$`).test(vatId)) {
    throw new ConfigError('ISSUER_VAT_ID', `must be a VAT id starting with ${prefix}, got "${vatId}"`);
  }
  return {
    name: text(env, 'ISSUER_NAME', 'Tollgate Sandbox Operator').trim(),
    address: text(env, 'ISSUER_ADDRESS', 'Calle de Ejemplo 1\n28001 Madrid\nSpain')
      .replace(/\\n/g, '\n')
      .trim(),
    country,
    vatRateBasisPoints: basisPoints,
    vatId: vatId || undefined,
  };
}

/** EU_VAT_RATES="FR:20,HU:27,FI:25.5": member states' standard rates in percent. */
function vatConfig(env: Env): VatConfig {
  const name = 'EU_VAT_RATES';
  const overrides: Record<string, number> = {};
  for (const entry of text(env, name, '').split(',')) {
    if (entry.trim() === '') continue;
    const match = /^\s*([A-Za-z]{2})\s*[:=]\s*(\d{1,3}(?:\.\d{1,2})?)\s*%?\s*$/.exec(entry);
    if (!match?.[1] || !match[2]) {
      throw new ConfigError(
        name,
        `"${entry.trim()}" is not "<country>:<percent>" such as "FR:20" or "FI:25.5"`,
      );
    }
    const country = match[1].toUpperCase() === 'EL' ? 'GR' : match[1].toUpperCase();
    if (!(country in EU_STANDARD_VAT_RATES)) {
      throw new ConfigError(name, `${country} is not an EU member state`);
    }
    if (country in overrides) throw new ConfigError(name, `${country} is given twice`);
    const [whole, fraction = ''] = match[2].split('.');
    const basisPoints = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
    if (basisPoints > 10_000)
      throw new ConfigError(name, `${country}: a rate is at most 100 %, got ${match[2]}`);
    overrides[country] = basisPoints;
  }
  const viesUrl = url(env, 'VIES_URL', undefined, ['http:', 'https:'])?.replace(/\/+$/, '');
  const viesTimeoutMs = integer(env, 'VIES_TIMEOUT_MS', 5_000, 100, 60_000);
  return {
    euRateOverrides: Object.freeze(overrides),
    euRates: euVatRates(overrides),
    vies: viesUrl ? { url: viesUrl, timeoutMs: viesTimeoutMs } : undefined,
  };
}

/** ISO 13616: letters count 10–35, the country and check digits move to the end, mod 97 = 1. */
export function ibanIsValid(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  let rest = 0;
  for (const char of iban.slice(4) + iban.slice(0, 4)) {
    const code = char.charCodeAt(0);
    const digits = code >= 65 ? String(code - 55) : char;
    for (const digit of digits) rest = (rest * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return rest === 1;
}

/** Clearly fake, but well-formed: a purchase in a fresh installation shows what a real one would. */
const SANDBOX_BANK = {
  iban: 'GB93SAND00000012345678',
  bic: 'SANDGB2LXXX',
  beneficiary: 'Tollgate Sandbox (test account, do not pay)',
};

function bankTransferConfig(env: Env, nodeEnv: string): Config['bankTransfer'] {
  const given = ['BANK_IBAN', 'BANK_BIC', 'BANK_BENEFICIARY'].filter((name) => text(env, name, '') !== '');
  const dueDays = integer(env, 'BANK_TRANSFER_DAYS', 14, 1, 365);
  // In production the sandbox account is never shown to customers: no details, no bank transfer.
  if (given.length === 0 && nodeEnv === 'production') return undefined;
  const sandbox = given.length === 0;
  const iban = text(env, 'BANK_IBAN', SANDBOX_BANK.iban).toUpperCase().replace(/\s+/g, '');
  if (!ibanIsValid(iban)) {
    throw new ConfigError('BANK_IBAN', `is not a valid IBAN (format or check digits): "${iban}"`);
  }
  const bic = text(env, 'BANK_BIC', SANDBOX_BANK.bic).toUpperCase().replace(/\s+/g, '');
  if (!/^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$/.test(bic)) {
    throw new ConfigError('BANK_BIC', `must be a BIC of 8 or 11 characters such as DEUTDEFF, got "${bic}"`);
  }
  const beneficiary = text(env, 'BANK_BENEFICIARY', SANDBOX_BANK.beneficiary).trim();
  if (beneficiary.length > 140) throw new ConfigError('BANK_BENEFICIARY', 'must be at most 140 characters');
  if (!sandbox && given.length < 3) {
    const missing = ['BANK_IBAN', 'BANK_BIC', 'BANK_BENEFICIARY'].filter((name) => !given.includes(name));
    throw new ConfigError(
      missing[0] ?? 'BANK_IBAN',
      'is required when any of BANK_IBAN, BANK_BIC, BANK_BENEFICIARY is set',
    );
  }
  return { iban, bic, beneficiary, dueDays, sandbox };
}

function stripeConfig(env: Env, nodeEnv: string): StripeConfig {
  const secretKey = text(env, 'STRIPE_SECRET_KEY', '').trim();
  const webhookSecret = text(env, 'STRIPE_WEBHOOK_SECRET', '').trim();
  const apiBase = url(env, 'STRIPE_API_BASE', undefined, ['http:', 'https:'])?.replace(/\/+$/, '');
  if (secretKey && !/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/.test(secretKey)) {
    throw new ConfigError('STRIPE_SECRET_KEY', 'must be a Stripe secret key (sk_live_…, sk_test_… or rk_…)');
  }
  if (secretKey && !webhookSecret) {
    throw new ConfigError(
      'STRIPE_WEBHOOK_SECRET',
      'is required with STRIPE_SECRET_KEY (the signing secret, whsec_…)',
    );
  }
  if (webhookSecret && !secretKey) {
    throw new ConfigError('STRIPE_SECRET_KEY', 'is required when STRIPE_WEBHOOK_SECRET is set');
  }
  if (webhookSecret && !webhookSecret.startsWith('whsec_')) {
    throw new ConfigError('STRIPE_WEBHOOK_SECRET', 'must be a webhook signing secret (whsec_…)');
  }
  if (apiBase && !secretKey) {
    throw new ConfigError(
      'STRIPE_SECRET_KEY',
      'is required with STRIPE_API_BASE (the sandbox prints its key)',
    );
  }
  if (apiBase && nodeEnv === 'production') {
    throw new ConfigError(
      'STRIPE_API_BASE',
      'points at a Stripe sandbox, which is refused with NODE_ENV=production',
    );
  }
  return {
    keys: secretKey ? { secretKey, webhookSecret } : undefined,
    apiBase,
    sandbox: !secretKey || apiBase !== undefined,
    maxNetworkRetries: integer(env, 'STRIPE_MAX_NETWORK_RETRIES', 2, 0, 10),
    timeoutMs: integer(env, 'STRIPE_TIMEOUT_MS', 30_000, 100, 600_000),
  };
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const host = text(env, 'HOST', '0.0.0.0');
  const publicUrl = url(env, 'PUBLIC_URL', `http://localhost:${port}`, ['http:', 'https:']) ?? '';
  const nodeEnv = text(env, 'NODE_ENV', 'development');
  return {
    port,
    host,
    dataDir: path.resolve(text(env, 'DATA_DIR', './data')),
    databaseUrl: url(env, 'DATABASE_URL', undefined, ['postgres:', 'postgresql:']),
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 20, 1, 1000),
    publicUrl: publicUrl.replace(/\/+$/, ''),
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', LOG_LEVELS),
    nodeEnv,
    trustProxy: trustProxy(env),
    ledger: {
      batchLingerMs: integer(env, 'LEDGER_BATCH_LINGER_MS', 1, 0, 1000),
      batchMax: integer(env, 'LEDGER_BATCH_MAX', 1000, 1, 100_000),
    },
    accounts: {
      verification: accountVerification(env),
      sessionIdleHours: integer(env, 'SESSION_IDLE_HOURS', 168, 1, 720),
      rateLimitMultiplier: integer(env, 'RATE_LIMIT_MULTIPLIER', 1, 1, 1_000_000),
      bootstrapAdmin: bootstrapAdmin(env),
      adminTwoFactor: adminTwoFactor(env, nodeEnv),
    },
    mail: {
      smtpUrl: url(env, 'SMTP_URL', undefined, ['smtp:', 'smtps:']),
      from: mailFrom(env, publicUrl || `http://localhost:${port}`),
    },
    ...smsAndCarriers(env),
    messaging: messagingConfig(env),
    campaigns: {
      uploadMaxBytes: integer(env, 'CAMPAIGN_UPLOAD_MAX_BYTES', 100 * 1024 * 1024, 1024, 10 * 1024 ** 3),
      chunkRows: integer(env, 'CAMPAIGN_CHUNK_ROWS', 10_000, 1, 100_000),
      webhookMaxAttempts: integer(env, 'WEBHOOK_MAX_ATTEMPTS', 8, 1, 100),
      webhookRetryBaseMs: integer(env, 'WEBHOOK_RETRY_BASE_MS', 30_000, 10, 3_600_000),
      webhookTimeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
      webhookPrivateAddresses: oneOf(env, 'WEBHOOK_PRIVATE_ADDRESSES', 'refuse', [
        'allow',
        'refuse',
      ] as const),
    },
    issuer: issuerConfig(env),
    vat: vatConfig(env),
    bankTransfer: bankTransferConfig(env, nodeEnv),
    stripe: stripeConfig(env, nodeEnv),
    ops: opsConfig(env),
    invoicing: invoicingConfig(env),
    refills: refillsConfig(env),
  };
}

const DURATION_UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function refillsConfig(env: Env): RefillsConfig {
  const raw = text(env, 'AUTO_REFILL_RETRY_DELAYS', '1h,6h,24h');
  const retryDelaysMs = raw.split(',').map((part) => {
    const match = /^\s*(\d{1,6})\s*([smhd])\s*$/.exec(part);
    if (!match)
      throw new ConfigError(
        'AUTO_REFILL_RETRY_DELAYS',
        `must be durations such as 1h,6h,24h (s, m, h or d), got "${raw}"`,
      );
    return Number(match[1]) * (DURATION_UNITS[match[2] ?? 'h'] ?? 3_600_000);
  });
  return {
    retryDelaysMs,
    maxFailures: integer(env, 'AUTO_REFILL_MAX_FAILURES', 3, 1, 100),
    rulesRefreshMs: integer(env, 'AUTO_REFILL_RULES_REFRESH_MS', 30_000, 100, 3_600_000),
  };
}

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function invoicingConfig(env: Env): InvoicingConfig {
  const timeZone = text(env, 'ISSUER_TIME_ZONE', 'Europe/Madrid').trim();
  if (!validTimeZone(timeZone))
    throw new ConfigError(
      'ISSUER_TIME_ZONE',
      `must be an IANA time zone such as Europe/Madrid, got "${timeZone}"`,
    );
  const series = (name: string, fallback: string) => {
    const value = text(env, name, fallback).trim().toUpperCase();
    if (!/^[A-Z][A-Z0-9]{0,9}$/.test(value))
      throw new ConfigError(
        name,
        `must be 1 to 10 letters and digits starting with a letter, got "${value}"`,
      );
    return value;
  };
  const invoiceSeries = series('INVOICE_SERIES', 'TG');
  const creditNoteSeries = series('CREDIT_NOTE_SERIES', 'TGC');
  if (invoiceSeries === creditNoteSeries)
    throw new ConfigError('CREDIT_NOTE_SERIES', `must differ from INVOICE_SERIES (${invoiceSeries})`);
  const street = text(env, 'ISSUER_STREET', 'Calle de Ejemplo 1').replace(/\\n/g, '\n');
  const lines = street
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (lines.length > 3 || lines.some((line) => line.length > 100))
    throw new ConfigError('ISSUER_STREET', 'must be at most 3 lines of at most 100 characters');
  const city = text(env, 'ISSUER_CITY', 'Madrid').trim();
  if (city.length > 100) throw new ConfigError('ISSUER_CITY', 'must be at most 100 characters');
  const postalCode = text(env, 'ISSUER_POSTAL_CODE', '28001').trim();
  if (!/^[A-Za-z0-9 -]{2,12}$/.test(postalCode))
    throw new ConfigError(
      'ISSUER_POSTAL_CODE',
      `must be 2 to 12 letters, digits, spaces or dashes, got "${postalCode}"`,
    );
  const region = text(env, 'ISSUER_REGION', '').trim().toUpperCase();
  if (region && !/^[A-Z0-9]{1,3}$/.test(region))
    throw new ConfigError('ISSUER_REGION', `must be a region code such as MD or BY, got "${region}"`);
  const logo = text(env, 'INVOICE_LOGO', '').trim();
  if (logo && !/\.(png|jpe?g)$/i.test(logo))
    throw new ConfigError('INVOICE_LOGO', `must be a .png or .jpg file, got "${logo}"`);
  if (logo && !existsSync(logo)) throw new ConfigError('INVOICE_LOGO', `file not found: ${logo}`);
  return {
    issuerAddressLines: lines.length > 0 ? lines : ['-'],
    issuerCity: city || '-',
    issuerPostalCode: postalCode,
    timeZone,
    region: region || undefined,
    invoiceSeries,
    creditNoteSeries,
    logoPath: logo ? path.resolve(logo) : undefined,
    attachPdf: flag(env, 'INVOICE_EMAIL_ATTACH_PDF', true),
    schedule: flag(env, 'INVOICE_RUN_SCHEDULE', true),
    batchSize: integer(env, 'INVOICE_RUN_BATCH', 1000, 1, 50_000),
  };
}

const READY_DEPENDENCIES: readonly ReadyDependency[] = ['database', 'smtp', 'stripe', 'carrier'];

function opsConfig(env: Env): OpsConfig {
  const requires: ReadyDependency[] = [];
  for (const raw of text(env, 'HEALTH_READY_REQUIRES', READY_DEPENDENCIES.join(',')).split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    if (!(READY_DEPENDENCIES as readonly string[]).includes(name))
      throw new ConfigError(
        'HEALTH_READY_REQUIRES',
        `"${name}" is not one of ${READY_DEPENDENCIES.join(', ')}`,
      );
    if (!requires.includes(name as ReadyDependency)) requires.push(name as ReadyDependency);
  }
  const token = text(env, 'METRICS_TOKEN', '').trim();
  if (token && !/^[\x21-\x7e]{16,256}$/.test(token))
    throw new ConfigError(
      'METRICS_TOKEN',
      'must be 16 to 256 visible ASCII characters (a long random value)',
    );
  const rawPort = text(env, 'METRICS_PORT', '').trim();
  const port = rawPort === '' ? undefined : integer(env, 'METRICS_PORT', 0, 0, 65535);
  return {
    readyRequires: requires,
    readyCacheMs: integer(env, 'HEALTH_READY_CACHE_MS', 2_000, 0, 600_000),
    readyTimeoutMs: integer(env, 'HEALTH_READY_TIMEOUT_MS', 2_000, 100, 60_000),
    metrics: {
      token: token || undefined,
      port,
      host: text(env, 'METRICS_HOST', '127.0.0.1').trim(),
      gaugeMaxAgeMs: integer(env, 'METRICS_DB_GAUGES_MAX_AGE_MS', 5_000, 0, 600_000),
      enabled: token !== '' || port !== undefined,
    },
  };
}

/**
 * ACCOUNT_VERIFICATION, or its older form ACCOUNT_AUTO_VERIFY (`mobile`, or `off` for staff)
 * when only that is set.
 */
function accountVerification(env: Env): AccountVerification {
  if (env.ACCOUNT_VERIFICATION === undefined || env.ACCOUNT_VERIFICATION === '') {
    const older = env.ACCOUNT_AUTO_VERIFY;
    if (older !== undefined && older !== '') {
      return oneOf(env, 'ACCOUNT_AUTO_VERIFY', 'off', ['mobile', 'off'] as const) === 'mobile'
        ? 'mobile'
        : 'staff';
    }
  }
  return oneOf(env, 'ACCOUNT_VERIFICATION', 'staff', ACCOUNT_VERIFICATIONS);
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = text(env, name, fallback ? 'true' : 'false')
    .trim()
    .toLowerCase();
  if (raw === 'true' || raw === '1' || raw === 'yes') return true;
  if (raw === 'false' || raw === '0' || raw === 'no') return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function smsAndCarriers(env: Env): Pick<Config, 'sms' | 'carriers'> {
  const sender = smsSender(env);
  const smpp = smppConfig(env, sender);
  const { carrier, routes } = carrierRoutes(env, smpp);
  return {
    sms: {
      carrier,
      sender,
      simulatorReceiptDelayMs: integer(env, 'SIMULATOR_RECEIPT_DELAY_MS', 0, 0, 600_000),
    },
    carriers: { routes, smpp },
  };
}

function messagingConfig(env: Env): MessagingConfig {
  const leaseMs = integer(env, 'MESSAGE_LEASE_MS', 120_000, 1_000, 3_600_000);
  const submitTimeoutMs = integer(
    env,
    'MESSAGE_SUBMIT_TIMEOUT_MS',
    Math.min(30_000, Math.floor(leaseMs / 4)),
    100,
    600_000,
  );
  // A submit must be over (answered or given up) well before its lease ends, or reconciliation
  // could ask the carrier about a message still on its way there.
  if (submitTimeoutMs * 2 > leaseMs) {
    throw new ConfigError(
      'MESSAGE_SUBMIT_TIMEOUT_MS',
      `must be at most half of MESSAGE_LEASE_MS (${leaseMs})`,
    );
  }
  return {
    maxParts: integer(env, 'MESSAGE_MAX_PARTS', 10, 1, 255),
    refundUndelivered: flag(env, 'MESSAGE_REFUND_UNDELIVERED', true),
    dispatchBatch: integer(env, 'MESSAGE_DISPATCH_BATCH', 500, 1, 10_000),
    dispatchIntervalMs: integer(env, 'MESSAGE_DISPATCH_INTERVAL_MS', 200, 10, 60_000),
    dispatchConcurrency: integer(env, 'MESSAGE_DISPATCH_CONCURRENCY', 50, 1, 10_000),
    leaseMs,
    submitTimeoutMs,
    maxAttempts: integer(env, 'MESSAGE_MAX_ATTEMPTS', 5, 1, 100),
    retryBaseMs: integer(env, 'MESSAGE_RETRY_BASE_MS', 30_000, 10, 3_600_000),
    carrierTps: integer(env, 'MESSAGE_CARRIER_TPS', 100, 1, 1_000_000),
  };
}
