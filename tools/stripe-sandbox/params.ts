// Typed reading of decoded form params, failing the way Stripe fails: an unknown parameter, a
// missing one, or a value of the wrong kind is a 400 invalid_request_error naming the param.
import { invalidParam, missingParam, unknownParam } from './errors.js';
import type { Param, ParamMap } from './form.js';

const INTEGER = /^-?\d+$/;

export class Params {
  private constructor(
    private readonly map: ParamMap,
    private readonly prefix: string,
  ) {}

  /** Reads `map`, refusing any key outside `allowed` (`expand` is always allowed). */
  static of(map: ParamMap, allowed: readonly string[], prefix = ''): Params {
    for (const key of Object.keys(map)) {
      if (key !== 'expand' && !allowed.includes(key)) unknown(prefix ? `${prefix}[${key}]` : key);
    }
    return new Params(map, prefix);
  }

  name(key: string): string {
    return this.prefix ? `${this.prefix}[${key}]` : key;
  }

  has(key: string): boolean {
    return this.map[key] !== undefined;
  }

  /** A string value; an empty string counts as absent, as it does for Stripe's optional params. */
  string(key: string): string | undefined {
    const value = this.map[key];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') throw invalidParam(this.name(key), `Invalid string: ${this.name(key)}`);
    return value;
  }

  requireString(key: string): string {
    const value = this.string(key);
    if (value === undefined) throw missingParam(this.name(key));
    return value;
  }

  /** For updates: undefined when absent, null when sent empty (Stripe's way to unset). */
  nullableString(key: string): string | null | undefined {
    if (this.map[key] === '') return null;
    return this.string(key);
  }

  int(key: string): number | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!INTEGER.test(value) || !Number.isSafeInteger(parsed)) {
      throw invalidParam(this.name(key), `Invalid integer: ${value}`, 'parameter_invalid_integer');
    }
    return parsed;
  }

  requireInt(key: string): number {
    const value = this.int(key);
    if (value === undefined) throw missingParam(this.name(key));
    return value;
  }

  bool(key: string): boolean | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw invalidParam(this.name(key), `Invalid boolean: ${value}`);
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    const found = values.find((candidate) => candidate === value);
    if (found === undefined) {
      throw invalidParam(this.name(key), `Invalid ${this.name(key)}: must be one of ${values.join(', ')}`);
    }
    return found;
  }

  /** A nested hash (`key[...]`), checked against its own allowed keys. */
  child(key: string, allowed: readonly string[]): Params | undefined {
    const value = this.map[key];
    if (value === undefined || value === '') return undefined;
    if (typeof value === 'string' || Array.isArray(value)) {
      throw invalidParam(this.name(key), `Invalid object: ${this.name(key)}`, 'parameter_invalid_object');
    }
    return Params.of(value, allowed, this.name(key));
  }

  /** A list of hashes (`key[0][...]`), each checked against `allowed`. */
  children(key: string, allowed: readonly string[]): Params[] {
    const value = this.map[key];
    if (value === undefined || value === '') return [];
    if (!Array.isArray(value)) throw invalidParam(this.name(key), `Invalid array: ${this.name(key)}`);
    return value.map((item, index) => {
      const name = `${this.name(key)}[${index}]`;
      if (typeof item === 'string' || Array.isArray(item)) {
        throw invalidParam(name, `Invalid object: ${name}`, 'parameter_invalid_object');
      }
      return Params.of(item, allowed, name);
    });
  }

  /** A list of strings (`key[]=a` or `key[0]=a`). */
  strings(key: string): string[] {
    const value = this.map[key];
    if (value === undefined || value === '') return [];
    if (!Array.isArray(value)) throw invalidParam(this.name(key), `Invalid array: ${this.name(key)}`);
    return value.map((item) => {
      if (typeof item !== 'string') throw invalidParam(this.name(key), `Invalid array: ${this.name(key)}`);
      return item;
    });
  }

  /** Metadata as sent: an empty value means "remove this key" on updates. */
  metadata(key = 'metadata'): Record<string, string> | undefined {
    const value = this.map[key];
    if (value === undefined) return undefined;
    if (value === '') return {};
    if (typeof value === 'string') throw invalidParam(this.name(key), `Invalid object: ${this.name(key)}`);
    const entries: [string, Param][] = Array.isArray(value)
      ? value.map((item, index) => [String(index), item])
      : Object.entries(value);
    const out: Record<string, string> = {};
    for (const [name, item] of entries) {
      if (typeof item !== 'string') {
        throw invalidParam(`${this.name(key)}[${name}]`, 'Metadata values must be strings.');
      }
      if (name.length > 40)
        throw invalidParam(`${this.name(key)}[${name}]`, 'Metadata keys are 40 characters at most.');
      if (item.length > 500)
        throw invalidParam(`${this.name(key)}[${name}]`, 'Metadata values are 500 characters at most.');
      out[name] = item;
    }
    if (Object.keys(out).length > 50) throw invalidParam(this.name(key), 'Metadata can have up to 50 keys.');
    return out;
  }

  expand(): string[] {
    return this.strings('expand');
  }
}

function unknown(name: string): never {
  throw unknownParam(name);
}

/** Merges a metadata update into the stored metadata (empty values remove keys). */
export function mergeMetadata(
  current: Record<string, string>,
  update: Record<string, string>,
): Record<string, string> {
  const next = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (value === '') delete next[key];
    else next[key] = value;
  }
  return next;
}

/** Metadata on create: empty values are simply not stored. */
export function createMetadata(update: Record<string, string> | undefined): Record<string, string> {
  return mergeMetadata({}, update ?? {});
}
