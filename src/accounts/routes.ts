// The accounts domain's HTTP routes, in one module for src/routes.ts.
import type { RouteModule } from '../http/app.js';
import { accountRoutes } from './account-routes.js';
import { adminAccountRoutes } from './admin-routes.js';
import { authRoutes } from './auth-routes.js';
import { mailboxRoutes } from './mailbox-routes.js';
import { twoFactorRoutes } from './two-factor-routes.js';

export const accountsRoutes: RouteModule = async (app, ctx) => {
  await authRoutes(app, ctx);
  await twoFactorRoutes(app, ctx);
  await accountRoutes(app, ctx);
  await adminAccountRoutes(app, ctx);
  await mailboxRoutes(app, ctx);
};
