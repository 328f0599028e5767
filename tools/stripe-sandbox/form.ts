// Decodes Stripe's form encoding (what the SDK sends): `a[b][c]=v`, `list[0]=x`, `list[]=y`.
// Indexed or appended keys become arrays; everything else becomes nested maps of strings.

export type Param = string | Param[] | ParamMap;
export interface ParamMap {
  [key: string]: Param;
}

export class FormError extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
    this.name = 'FormError';
  }
}

const INDEX = /^\d+$/;

function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return [key];
  const parts = [key.slice(0, open)];
  const rest = key.slice(open);
  const segment = /\[([^\]]*)\]/gy;
  let consumed = 0;
  for (let match = segment.exec(rest); match; match = segment.exec(rest)) {
    parts.push(match[1] ?? '');
    consumed = segment.lastIndex;
  }
  if (consumed !== rest.length) throw new FormError(`Invalid parameter name: ${key}`, key);
  return parts;
}

function checkedKey(key: string): string[] {
  const parts = splitKey(key);
  // Plain objects hold the decoded params: a `__proto__` segment would reach their prototype.
  if (parts.includes('__proto__')) throw new FormError(`Invalid parameter name: ${key}`, key);
  return parts;
}

// While decoding, arrays are maps with index keys; `[]` appends at the next free index.
type Draft = { [key: string]: string | Draft };

function insert(root: Draft, parts: string[], value: string, fullKey: string): void {
  let node = root;
  for (let i = 0; i < parts.length; i++) {
    const raw = parts[i] ?? '';
    const key = raw === '' ? String(Object.keys(node).length) : raw;
    if (i === parts.length - 1) {
      if (typeof node[key] === 'object') throw new FormError(`Invalid hash for ${fullKey}`, fullKey);
      node[key] = value;
      return;
    }
    const next = node[key];
    if (typeof next === 'string') throw new FormError(`Invalid hash for ${fullKey}`, fullKey);
    if (next) {
      node = next;
    } else {
      const created: Draft = {};
      node[key] = created;
      node = created;
    }
  }
}

function isList(draft: Draft): boolean {
  const keys = Object.keys(draft);
  return keys.length > 0 && keys.every((key) => INDEX.test(key));
}

function finish(draft: Draft): ParamMap {
  const out: ParamMap = {};
  for (const [key, value] of Object.entries(draft)) out[key] = finishValue(value);
  return out;
}

function finishValue(value: string | Draft): Param {
  if (typeof value === 'string') return value;
  if (!isList(value)) return finish(value);
  return Object.keys(value)
    .map(Number)
    .sort((a, b) => a - b)
    .map((index) => finishValue(value[String(index)] ?? ''));
}

export function parseForm(text: string): ParamMap {
  const root: Draft = {};
  for (const [key, value] of new URLSearchParams(text)) insert(root, checkedKey(key), value, key);
  return finish(root);
}

/** A stable text for comparing two requests' parameters (key order does not matter). */
export function canonical(value: Param): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key] ?? '')}`).join(',')}}`;
}
