// The default mode's mailbox: the e-mails the file transport wrote to DATA_DIR/mail, read back
// for the portal's Mailbox page so a newcomer finishes sign-up without opening files. Only
// while e-mail goes to files and never with NODE_ENV=production (mailboxEnabled); who may read
// which e-mail is decided by the route (src/accounts/mailbox-routes.ts), from the outbox row
// each file was written from: the file's name carries the outbox id (mailer.ts, fileTransport),
// and the row its template and address.
//
// The files are read, not the outbox: the outbox clears an e-mail's body once it is sent.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import type { Queryable } from '../db/types.js';

/** The mailbox is there only in the default mode: e-mail written to files, not production. */
export function mailboxEnabled(config: Config): boolean {
  return config.mail.smtpUrl === undefined && config.nodeEnv !== 'production';
}

export function mailDirectory(config: Config): string {
  return path.join(config.dataDir, 'mail');
}

/** `2026-12-07T13-55-06-123Z-eml_<16>…txt`, as the file transport names its readable copy. */
const FILE = /^(\d{4}-\d\d-\d\dT\d\d)-(\d\d)-(\d\d)-(\d{3})Z-(eml_[A-Za-z0-9_-]{16})[A-Za-z0-9_-]*\.txt$/;
export const MAIL_ID = /^eml_[A-Za-z0-9_-]{16}$/;

export interface MailFile {
  id: string;
  name: string;
  at: Date;
}

export interface MailSummary {
  id: string;
  to: string;
  subject: string;
  at: string;
  /** Which template wrote it (verify-email, reset-password, …); null for a file of another database. */
  template: string | null;
}

export interface Mail extends MailSummary {
  text: string;
}

/** Every e-mail file in the folder, newest first (a missing folder is an empty mailbox). */
export async function mailFiles(dir: string): Promise<MailFile[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const files: MailFile[] = [];
  for (const name of names) {
    const match = FILE.exec(name);
    if (!match) continue;
    const [, dayAndHour, minute, second, millis, id] = match;
    files.push({ id: id as string, name, at: new Date(`${dayAndHour}:${minute}:${second}.${millis}Z`) });
  }
  // Names start with the time written, so their order is the time's; the newest file of an id wins.
  files.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
  const seen = new Set<string>();
  return files.filter((f) => {
    if (seen.has(f.id)) return false;
    seen.add(f.id);
    return true;
  });
}

/** The outbox rows of these e-mails: template and address. */
export async function outboxRows(
  q: Queryable,
  ids: readonly string[],
): Promise<Map<string, { template: string; to: string }>> {
  if (ids.length === 0) return new Map();
  const { rows } = await q.query<{ id: string; template: string; to_address: string }>(
    'select id, template, to_address from email_outbox where id = any($1::text[])',
    [ids],
  );
  return new Map(rows.map((r) => [r.id, { template: r.template, to: r.to_address }]));
}

/** Ids of e-mails sent to an address (any case), newest first. */
export async function idsSentTo(q: Queryable, address: string, limit: number): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `select id from email_outbox where lower(to_address) = lower($1) and sent_at is not null
      order by created_at desc limit $2`,
    [address, limit],
  );
  return rows.map((r) => r.id);
}

/** One file's readable copy: "To: …\nSubject: …\n\n<text>\n". */
export async function readMailFile(
  dir: string,
  file: MailFile,
  template: string | null,
  withText: true,
): Promise<Mail>;
export async function readMailFile(
  dir: string,
  file: MailFile,
  template: string | null,
  withText?: false,
): Promise<MailSummary>;
export async function readMailFile(
  dir: string,
  file: MailFile,
  template: string | null,
  withText = false,
): Promise<Mail | MailSummary> {
  const raw = await readFile(path.join(dir, file.name), 'utf8');
  const split = raw.indexOf('\n\n');
  const head = split < 0 ? raw : raw.slice(0, split);
  const header = (name: string) => new RegExp(`^${name}: ?(.*)$`, 'm').exec(head)?.[1] ?? '';
  const summary: MailSummary = {
    id: file.id,
    to: header('To'),
    subject: header('Subject'),
    at: file.at.toISOString(),
    template,
  };
  if (!withText) return summary;
  return { ...summary, text: split < 0 ? '' : raw.slice(split + 2).replace(/\n$/, '') };
}
