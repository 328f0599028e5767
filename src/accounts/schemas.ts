// Request and response shapes of the accounts routes (TypeBox: validation and OpenAPI at once).
// Every string has a maximum length; every object refuses fields it does not know.
import { type TSchema, Type } from '@sinclair/typebox';
import { ACCOUNT_VERIFICATIONS, type AccountVerification } from '../config.js';
import { literals, nullable, strict } from '../http/schemas.js';
import { LANGUAGES } from '../notifications/templates.js';
import { ACCOUNT_STATUSES, CURRENCIES } from './account.js';
import { API_KEY_SCOPES, type ApiKeyScope as ApiKeyScopeName } from './api-key-scopes.js';
import { NAME_MAX_LENGTH } from './names.js';
import { PASSWORD_MAX_LENGTH } from './passwords.js';

export const Email = Type.String({ format: 'email', maxLength: 254 });
export const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH });
export const Token = Type.String({ minLength: 1, maxLength: 200 });
export const CountryCode = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' });
const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });
const OptionalText = (maxLength: number) => Type.Optional(nullable(Type.String({ maxLength })));

export const SignupBody = Type.Object(
  {
    email: Email,
    password: Password,
    name: Type.String({
      minLength: 1,
      maxLength: NAME_MAX_LENGTH,
      description: 'Your name or your company’s: one line, no control characters',
    }),
  },
  strict,
);
export const TokenBody = Type.Object({ token: Token }, strict);
export const EmailBody = Type.Object({ email: Email }, strict);
export const LoginBody = Type.Object({ email: Email, password: Password }, strict);
export const ResetConfirmBody = Type.Object(
  {
    token: Token,
    password: Password,
    revokeApiKeys: Type.Optional(
      Type.Boolean({ description: 'Also revoke every API key of the account (default: keep them)' }),
    ),
  },
  strict,
);

export const AddressBody = Type.Object(
  {
    line1: Text(200),
    line2: OptionalText(200),
    city: Text(100),
    postalCode: Text(20),
    region: OptionalText(100),
    country: CountryCode,
  },
  strict,
);

export const BillingBody = Type.Object(
  {
    legalName: Text(200),
    taxId: OptionalText(50),
    vatId: OptionalText(30),
    address: AddressBody,
    invoiceEmail: Email,
    mobile: Type.String({
      minLength: 1,
      maxLength: 30,
      description: 'E.164, or national in the default country',
    }),
  },
  strict,
);

export const PreferencesBody = Type.Object(
  {
    country: CountryCode,
    currency: literals(CURRENCIES),
    timezone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Madrid' }),
    language: literals(LANGUAGES),
    lowBalanceAlertEnabled: Type.Optional(
      Type.Boolean({ description: 'The low-balance e-mail (on by default); absent: unchanged' }),
    ),
    lowBalanceAlertCredits: Type.Optional(
      Type.Union([Type.String({ maxLength: 24 }), Type.Number(), Type.Null()], {
        description:
          'E-mail when available credit falls to this many credits ("500", "12.5"); null: 10% of the last purchase; absent: unchanged',
      }),
    ),
  },
  strict,
);

export const LanguageBody = Type.Object({ language: literals(LANGUAGES) }, strict);

export const CodeBody = Type.Object({ code: Type.String({ pattern: '^[0-9]{6}$' }) }, strict);
const SCOPES_MEAN =
  'read: only reads; send: reads, sends messages and runs campaigns; billing: reads and buys credits; full: everything';
const ApiKeyScope = Type.Unsafe<ApiKeyScopeName>({
  type: 'string',
  enum: [...API_KEY_SCOPES],
  description: SCOPES_MEAN,
});
export const ApiKeyBody = Type.Object(
  {
    name: Text(100),
    scope: Type.Optional(
      Type.Unsafe<ApiKeyScopeName>({
        type: 'string',
        enum: [...API_KEY_SCOPES],
        description: `${SCOPES_MEAN}. Default: full`,
      }),
    ),
  },
  strict,
);
/** Optional: no body (or null) suspends without a reason. */
export const SuspendBody = Type.Union([
  Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, strict),
  Type.Null(),
]);

export const PageQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
});
export const SearchQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
});
export const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

// Responses.

export const Balance = Type.Object({ credits: Type.String(), held: Type.String(), available: Type.String() });

const Address = Type.Object({
  line1: Type.String(),
  line2: nullable(Type.String()),
  city: Type.String(),
  postalCode: Type.String(),
  region: nullable(Type.String()),
  country: Type.String(),
});

const Billing = Type.Object({
  legalName: Type.String(),
  taxId: nullable(Type.String()),
  vatId: nullable(Type.String()),
  address: Address,
  invoiceEmail: Type.String(),
  mobile: Type.String(),
});

const Preferences = Type.Object({
  country: nullable(Type.String()),
  currency: literals(CURRENCIES),
  timezone: Type.String(),
  language: literals(LANGUAGES),
  lowBalanceAlertEnabled: Type.Boolean(),
  lowBalanceAlertCredits: nullable(Type.String({ description: 'null: 10% of the last purchase' })),
});

const accountFields = {
  id: Type.String(),
  name: Type.String(),
  status: literals(ACCOUNT_STATUSES),
  email: Type.String(),
  emailVerified: Type.Boolean(),
  balance: Balance,
  billing: nullable(Billing),
  billingComplete: Type.Boolean(),
  mobile: nullable(Type.String()),
  mobileVerified: Type.Boolean(),
  canPurchase: Type.Boolean({ description: 'Complete billing data, a verified mobile, not suspended' }),
  canSend: Type.Boolean({ description: 'The account is active' }),
  purchaseBlockers: Type.Array(
    literals(['billing_data', 'mobile_verification', 'account_suspended'] as const),
  ),
  preferences: Preferences,
  lowBalanceAlert: Type.Object({
    limit: nullable(
      Type.String({ description: 'The limit in force, in credits; null: nothing bought yet, so none' }),
    ),
    defaultRule: Type.Boolean({ description: 'The limit is 10% of the last purchase' }),
    armed: Type.Boolean({
      description: 'False once the alert was sent, until available credit rises above the limit again',
    }),
  }),
  verification: Type.Unsafe<AccountVerification>({
    type: 'string',
    enum: [...ACCOUNT_VERIFICATIONS],
    description:
      'Who verifies accounts on this server (ACCOUNT_VERIFICATION): `staff`, an operator; `mobile`, the account itself by verifying its mobile',
  }),
  verifiedAt: nullable(Type.String()),
  createdAt: Type.String(),
};

export const AccountResponse = Type.Object(accountFields);

export const AdminAccountResponse = Type.Object({
  ...accountFields,
  verifiedBy: nullable(literals(['operator', 'mobile'] as const)),
  suspendedAt: nullable(Type.String()),
  suspendedReason: nullable(Type.String()),
  owner: Type.Object({
    id: Type.String(),
    email: Type.String(),
    name: Type.String(),
    emailVerified: Type.Boolean(),
  }),
});

export const AccountSummaryResponse = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Type.String(),
  status: literals(ACCOUNT_STATUSES),
  legalName: nullable(Type.String()),
  vatId: nullable(Type.String()),
  country: nullable(Type.String()),
  emailVerified: Type.Boolean(),
  mobileVerified: Type.Boolean(),
  createdAt: Type.String(),
});

export const UserResponse = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: literals(['owner', 'admin'] as const),
  emailVerified: Type.Boolean(),
});

export const SessionResponse = Type.Object({
  user: UserResponse,
  account: nullable(AccountResponse),
  csrfToken: nullable(Type.String({ description: 'Send it as X-CSRF-Token on every write' })),
});

export const ApiKeyResponse = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  scope: ApiKeyScope,
  createdAt: Type.String(),
  lastUsedAt: nullable(Type.String()),
});

export const NewApiKeyResponse = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  scope: ApiKeyScope,
  key: Type.String({ description: 'Shown this once; store it now' }),
  createdAt: Type.String(),
});

export const CodeSentResponse = Type.Object({
  to: Type.String(),
  expiresAt: Type.String(),
  resendAfter: Type.String(),
});

export const pageOf = <T extends TSchema>(item: T) =>
  Type.Object({ data: Type.Array(item), nextCursor: nullable(Type.String()) });

// Two-factor authentication.

export const TwoFactorCode = Type.String({
  minLength: 6,
  maxLength: 40,
  description: 'The 6-digit code of the authenticator app, or one of the recovery codes',
});
export const TwoFactorLoginBody = Type.Object(
  { challenge: Type.String({ minLength: 1, maxLength: 100 }), code: TwoFactorCode },
  strict,
);
export const PasswordBody = Type.Object({ password: Password }, strict);
export const TotpCodeBody = Type.Object(
  { code: Type.String({ pattern: '^[0-9]{6}$', description: 'The 6-digit code the app shows now' }) },
  strict,
);
export const PasswordAndCodeBody = Type.Object({ password: Password, code: TwoFactorCode }, strict);

export const EnrolmentResponse = Type.Object({
  secret: Type.String({ description: 'Base32, for typing into the app by hand' }),
  uri: Type.String({ description: 'otpauth://totp/… (what the QR code holds)' }),
  qrCode: Type.String({ description: 'The QR code as an SVG data URI' }),
});
export const ChallengeResponse = Type.Object({
  twoFactor: Type.Object({
    challenge: Type.String({ description: 'Send it with the code to POST /auth/login/two-factor' }),
    expiresAt: Type.String(),
    enrolment: nullable(EnrolmentResponse),
  }),
});
export const RecoveryCodesResponse = Type.Object({
  recoveryCodes: Type.Array(Type.String(), { description: 'Each works once; shown this once' }),
});
export const SessionWithCodesResponse = Type.Object({
  ...SessionResponse.properties,
  recoveryCodes: Type.Optional(RecoveryCodesResponse.properties.recoveryCodes),
});
export const TwoFactorStatusResponse = Type.Object({
  enabled: Type.Boolean(),
  enabledAt: nullable(Type.String()),
  recoveryCodesLeft: Type.Integer(),
  required: Type.Boolean({
    description: 'Required for this user (an operator admin): it cannot be turned off',
  }),
});
