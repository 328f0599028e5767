// Accounts: users, sign-up and login, sessions, API keys, billing data, preferences, mobile
// verification, account status and the operator's account desk.
// May import config, db, http, ledger (to open each account's ledger account), notifications
// and messaging/carriers (to send the mobile code). Other domains import from this file only:
//
//   requireCustomer / requireAdmin / requireUser / requireSession — route hooks (use as onRequest)
//   routeSecurity                                  — declares each guarded route's OpenAPI security
//   customerOf / adminOf / userOf                  — the caller, inside a guarded handler
//   assertCanPurchase / assertCanTransact          — before money or messages move
//   getAccount                                     — billing data, preferences, status
export {
  type Account,
  type AccountStatus,
  type Billing,
  CURRENCIES,
  type Currency,
  getAccount,
  type Preferences,
} from './account.js';
export { AdminSetupError, bootstrapAdmin, createAdmin } from './admin.js';
export {
  type Auth,
  adminOf,
  authenticate,
  type CustomerAuth,
  customerOf,
  requireAdmin,
  requireCustomer,
  requireSession,
  requireUser,
  userOf,
} from './auth.js';
export { API_KEY_SCOPES, type ApiKeyScope } from './api-key-scopes.js';
export { routeSecurity } from './route-security.js';
export { assertCanPurchase, assertCanTransact } from './guards.js';
export { parseMobile } from './phone.js';
export { accountsRoutes } from './routes.js';
export { pruneAuthState } from './maintenance.js';
