// Configuration: the environment, read and validated in one place at start-up.
// Every other module receives a typed Config; nothing else reads process.env.
import path from 'node:path';

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
  ledger: {
    /** How long a single debit may wait for companions before its batch is written. */
    batchLingerMs: number;
    /** The most debits written in one transaction. */
    batchMax: number;
  };
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

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const host = text(env, 'HOST', '0.0.0.0');
  const publicUrl = url(env, 'PUBLIC_URL', `http://localhost:${port}`, ['http:', 'https:']) ?? '';
  return {
    port,
    host,
    dataDir: path.resolve(text(env, 'DATA_DIR', './data')),
    databaseUrl: url(env, 'DATABASE_URL', undefined, ['postgres:', 'postgresql:']),
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 20, 1, 1000),
    publicUrl: publicUrl.replace(/\/+$/, ''),
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', LOG_LEVELS),
    nodeEnv: text(env, 'NODE_ENV', 'development'),
    ledger: {
      batchLingerMs: integer(env, 'LEDGER_BATCH_LINGER_MS', 1, 0, 1000),
      batchMax: integer(env, 'LEDGER_BATCH_MAX', 1000, 1, 100_000),
    },
  };
}
