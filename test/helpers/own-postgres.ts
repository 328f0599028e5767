// A PostgreSQL server of the test's own, in a temporary directory on a free port, that the test
// may stop, restart and kill without touching the shared server other tests use. Built from the
// binaries of Debian's packages (/usr/lib/postgresql/<version>/bin) or PG_BIN. initdb and the
// server refuse to run as root: as root (CI) they run as the `postgres` user through runuser.
// `ownPostgres()` answers why it cannot when the machine has no such binaries or user, so the
// caller can skip with that reason.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface OwnPostgres {
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url: string;
  port: number;
  /** Stops the server (`fast`: sessions are told and closed; `immediate`: as a crash would). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port and data; resolves once it accepts connections. */
  start(): Promise<void>;
  /** The server's own log, for a failure's message. */
  log(): string;
  /** Stops it and deletes its files. */
  remove(): Promise<void>;
}

function binDir(): string | null {
  if (process.env.PG_BIN)
    return existsSync(path.join(process.env.PG_BIN, 'initdb')) ? process.env.PG_BIN : null;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

async function uidOf(user: string): Promise<{ uid: number; gid: number } | null> {
  try {
    const uid = Number((await run('id', ['-u', user])).stdout.trim());
    const gid = Number((await run('id', ['-g', user])).stdout.trim());
    return { uid, gid };
  } catch {
    return null;
  }
}

/** A running server with an empty database `tollgate`, or the reason there can be none here. */
export async function ownPostgres(): Promise<OwnPostgres | { unavailable: string }> {
  const bin = binDir();
  if (!bin)
    return {
      unavailable: 'no PostgreSQL server binaries (initdb) under /usr/lib/postgresql/*/bin or PG_BIN',
    };
  const asRoot = process.getuid?.() === 0;
  let owner: { uid: number; gid: number } | null = null;
  if (asRoot) {
    owner = await uidOf('postgres');
    if (!owner) return { unavailable: 'running as root and there is no `postgres` user to run initdb as' };
    if (!existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser')) {
      return { unavailable: 'running as root and runuser (util-linux) is missing' };
    }
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-own-pg-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  const exec = (tool: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args])
      : run(path.join(bin, tool), args);
  try {
    await exec('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
      '--no-instructions',
    ]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { unavailable: `initdb failed: ${(error as Error).message}` };
  }
  const port = await freePort();
  // Only TCP on loopback, the socket in our own directory; no fsync (the machine does not crash,
  // only the server does); enough connections for three processes' pools and the test's.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = async () => {
    await exec('pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '30', '-o', options, 'start']);
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    await exec('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']);
  };
  try {
    await start();
  } catch (error) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    rmSync(dir, { recursive: true, force: true });
    return { unavailable: `the server did not start: ${(error as Error).message}\n${log}` };
  }
  const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
  await admin.connect();
  await admin.query('create database tollgate');
  await admin.end();
  let removed = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/tollgate`,
    port,
    stop,
    start,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    async remove() {
      if (removed) return;
      removed = true;
      await stop('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
