// What the browser tests need around the portal: the real server on a free port (so that
// PUBLIC_URL, and with it every e-mailed link, names the port the browser talks to), the
// e-mails it writes to DATA_DIR/mail, and a Chromium to drive.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { type Running, start } from '../../src/server.js';

export interface Portal {
  running: Running;
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

/** A port nobody listens on right now (the OS picks it; we release it for the server). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** The whole product, in this process, on a fresh data folder (embedded PGlite, e-mails as files). */
export async function startPortal(env: Record<string, string> = {}): Promise<Portal> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-browser-'));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const url = `http://localhost:${port}`;
    try {
      const running = await start(
        loadConfig({
          PORT: String(port),
          HOST: '127.0.0.1',
          PUBLIC_URL: url,
          DATA_DIR: dataDir,
          LOG_LEVEL: 'silent',
          NODE_ENV: 'test',
          ...env,
        }),
      );
      return {
        running,
        url,
        dataDir,
        async close() {
          await running.stop();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      // Someone took the port between the probe and the listen: try another one.
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 3) throw error;
    }
  }
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}

export interface Mail {
  file: string;
  to: string;
  subject: string;
  /** The plain-text part, transfer encoding undone. */
  text: string;
}

function decodeQuotedPrintable(body: string): string {
  const bytes = body
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

function decodePart(headers: string, body: string): string {
  const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(headers)?.[1]?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

function decodeHeader(value: string): string {
  return value.replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, kind: string, data: string) =>
    kind.toLowerCase() === 'b'
      ? Buffer.from(data, 'base64').toString('utf8')
      : decodeQuotedPrintable(data.replace(/_/g, ' ')),
  );
}

/** A .eml as nodemailer writes it: the To and Subject headers and the text/plain part. */
export function parseEml(file: string, raw: string): Mail {
  const normalised = raw.replace(/\r\n/g, '\n');
  const split = normalised.indexOf('\n\n');
  const head = normalised.slice(0, split).replace(/\n[ \t]+/g, ' ');
  const body = normalised.slice(split + 2);
  const header = (name: string) => decodeHeader(new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1] ?? '');
  const boundary = /boundary="?([^";\n]+)"?/i.exec(head)?.[1];
  let text = decodePart(head, body);
  if (boundary) {
    for (const part of body.split(`--${boundary}`)) {
      const at = part.indexOf('\n\n');
      if (at < 0) continue;
      const partHead = part.slice(0, at);
      if (/content-type:\s*text\/plain/i.test(partHead)) {
        text = decodePart(partHead, part.slice(at + 2));
        break;
      }
    }
  }
  return { file, to: header('To'), subject: header('Subject'), text };
}

/** Every e-mail to `to` in DATA_DIR/mail so far, newest first. */
export async function mailsTo(dataDir: string, to: string): Promise<Mail[]> {
  const dir = path.join(dataDir, 'mail');
  const names = await readdir(dir).catch(() => [] as string[]);
  const mails: Mail[] = [];
  for (const name of names
    .filter((n) => n.endsWith('.eml'))
    .sort()
    .reverse()) {
    const mail = parseEml(name, await readFile(path.join(dir, name), 'utf8'));
    if (mail.to.toLowerCase().includes(to.toLowerCase())) mails.push(mail);
  }
  return mails;
}

/** Waits for an e-mail to `to` matching `match` in DATA_DIR/mail (it is sent just after commit). */
export async function waitForMail(
  dataDir: string,
  to: string,
  match: (mail: Mail) => boolean,
  timeoutMs = 15_000,
): Promise<Mail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await mailsTo(dataDir, to);
    const mail = found.find(match);
    if (mail) return mail;
    if (Date.now() > deadline)
      throw new Error(
        `no e-mail to ${to} arrived in ${path.join(dataDir, 'mail')} (found: ${found.map((m) => m.file).join(', ')})`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The first link in a text that starts with `prefix`. */
export function linkIn(text: string, prefix: string): string {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const found = new RegExp(`${escaped}[^\\s"<>]*`).exec(text)?.[0];
  if (!found) throw new Error(`no link starting with ${prefix} in:\n${text}`);
  return found;
}
