// Notifications: e-mail templates (en, es) and their delivery through an outbox table.
// May import config, db and the logger; knows nothing about the domains that send e-mail.
export * from './mailer.js';
export * from './templates.js';
