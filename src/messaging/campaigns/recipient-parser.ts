// Recipients of a campaign to E.164 with the same answers as pricing's parseRecipient, fast
// enough for a million rows (parseRecipient costs 25–75 µs a number; most of it is
// libphonenumber's parse).
//
// Why a cache is exact: for a number written "+<digits>", everything parseRecipient decides
// (calling code, country, national prefix, validity, type) comes from regular expressions of
// libphonenumber's metadata for that calling code, matched against the national number, and
// from its length. Those patterns use digits, classes, \d, groups, alternation and counted
// repetition only. Running all of them at once as one automaton over the national number
// shows which positions any of them actually looks at (a class or a digit, not \d) before
// every path has died or only \d remains: another number of the same length that agrees on
// those positions drives every pattern through the same states, so it gets the same answer.
// The cache key is therefore (calling code, length, the digits up to the last position
// looked at): "+34 6…" numbers share one entry, not a million. Numbers in any other form, a
// pattern the automaton does not understand, and numbers a national prefix could be stripped
// from go to parseRecipient itself; so does any number whose parse rewrote it (E.164 ≠ input).
// Anchors ($) are read as matching anywhere: the automaton then follows more paths than the
// real pattern, which can only make the key longer or send a number to parseRecipient.
// A property test compares this with parseRecipient on random numbers of every calling code.
import { createRequire } from 'node:module';
import type { CountryCode } from '../../pricing/countries.js';
import { type ParsedRecipient, parseRecipient } from '../../pricing/phone.js';

type MetadataJson = {
  country_calling_codes: Record<string, string[]>;
  countries: Record<string, unknown[]>;
  nonGeographic?: Record<string, unknown[]>;
};

const metadata = createRequire(import.meta.url)('libphonenumber-js/metadata.max.json') as MetadataJson;

const CANONICAL = /^\+[1-9]\d{2,16}$/;
const ALL_DIGITS = 0x3ff;
const CACHE_LIMIT = 200_000;

/** A Thompson automaton over digits: state i moves on `mask[i]` to `to[i]`, or by ε to `eps[i]`. */
class Automaton {
  readonly mask: number[] = [];
  readonly to: number[] = [];
  readonly eps: number[][] = [];
  starts: number[] = [];
  /** Per state: a transition that looks at the digit (not \d) can still be reached from it. */
  looks: boolean[] = [];

  state(): number {
    this.mask.push(0);
    this.to.push(-1);
    this.eps.push([]);
    return this.mask.length - 1;
  }

  finish(): void {
    const n = this.mask.length;
    this.looks = Array.from({ length: n }, (_, s) => this.to[s] !== -1 && this.mask[s] !== ALL_DIGITS);
    for (let changed = true; changed; ) {
      changed = false;
      for (let s = 0; s < n; s++) {
        if (this.looks[s]) continue;
        const t = this.to[s] ?? -1;
        if ((t >= 0 && this.looks[t]) || (this.eps[s] ?? []).some((e) => this.looks[e])) {
          this.looks[s] = true;
          changed = true;
        }
      }
    }
  }

  closure(states: number[]): number[] {
    const seen = new Set<number>();
    const stack = [...states];
    while (stack.length > 0) {
      const s = stack.pop() ?? 0;
      if (seen.has(s)) continue;
      seen.add(s);
      for (const e of this.eps[s] ?? []) stack.push(e);
    }
    return [...seen].sort((a, b) => a - b);
  }
}

type Node =
  | { kind: 'set'; mask: number }
  | { kind: 'alt'; options: Node[][] }
  | { kind: 'repeat'; node: Node; min: number; max: number };

class Unsupported extends Error {}

/** Parses the subset of regular expressions libphonenumber's metadata uses; throws Unsupported. */
function parsePattern(source: string): Node[][] {
  let at = 0;
  const peek = () => source[at];
  const alternation = (): Node[][] => {
    const options: Node[][] = [sequence()];
    while (peek() === '|') {
      at++;
      options.push(sequence());
    }
    return options;
  };
  const sequence = (): Node[] => {
    const items: Node[] = [];
    while (at < source.length && peek() !== '|' && peek() !== ')') {
      // Anchors look at no digit: read as "nothing", the automaton accepts more, never less.
      if (peek() === '$' || peek() === '^') at++;
      else items.push(quantified(atom()));
    }
    return items;
  };
  const digitOrClass = (): number => {
    const c = source[at++];
    if (c === '\\') {
      if (source[at++] !== 'd') throw new Unsupported(source);
      return ALL_DIGITS;
    }
    if (c === undefined || c < '0' || c > '9') throw new Unsupported(source);
    return 1 << Number(c);
  };
  const atom = (): Node => {
    const c = peek();
    if (c === '(') {
      at++;
      if (source.startsWith('?:', at)) at += 2;
      else if (peek() === '?') throw new Unsupported(source);
      const options = alternation();
      if (source[at++] !== ')') throw new Unsupported(source);
      return { kind: 'alt', options };
    }
    if (c === '[') {
      at++;
      let negate = false;
      if (peek() === '^') {
        negate = true;
        at++;
      }
      let mask = 0;
      while (peek() !== ']') {
        if (at >= source.length) throw new Unsupported(source);
        const from = digitOrClass();
        if (peek() === '-' && source[at + 1] !== ']') {
          at++;
          const to = digitOrClass();
          if (from === ALL_DIGITS || to === ALL_DIGITS) throw new Unsupported(source);
          for (let d = Math.log2(from); d <= Math.log2(to); d++) mask |= 1 << d;
        } else {
          mask |= from;
        }
      }
      at++;
      return { kind: 'set', mask: negate ? ALL_DIGITS & ~mask : mask };
    }
    return { kind: 'set', mask: digitOrClass() };
  };
  const quantified = (node: Node): Node => {
    const c = peek();
    const bounds: Record<string, [number, number]> = {
      '?': [0, 1],
      '*': [0, Number.POSITIVE_INFINITY],
      '+': [1, Number.POSITIVE_INFINITY],
    };
    const simple = c === undefined ? undefined : bounds[c];
    if (simple) {
      at++;
      return { kind: 'repeat', node, min: simple[0], max: simple[1] };
    }
    if (c !== '{') return node;
    const match = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(at));
    if (!match) throw new Unsupported(source);
    at += match[0].length;
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === '' ? Number.POSITIVE_INFINITY : Number(match[3]);
    return { kind: 'repeat', node, min, max };
  };
  const result = alternation();
  if (at !== source.length) throw new Unsupported(source);
  return result;
}

/** Adds `options` to the automaton between `from` and a new end state; returns the end. */
function compile(a: Automaton, options: Node[][], from: number): number {
  const end = a.state();
  for (const sequence of options) {
    let at = from;
    for (const node of sequence) at = compileNode(a, node, at);
    a.eps[at]?.push(end);
  }
  return end;
}

function compileNode(a: Automaton, node: Node, from: number): number {
  if (node.kind === 'set') {
    const to = a.state();
    const step = a.state();
    a.eps[from]?.push(step);
    a.mask[step] = node.mask;
    a.to[step] = to;
    return to;
  }
  if (node.kind === 'alt') return compile(a, node.options, from);
  let at = from;
  for (let i = 0; i < node.min; i++) at = compileNode(a, node.node, at);
  if (node.max === Number.POSITIVE_INFINITY) {
    const loop = a.state();
    a.eps[at]?.push(loop);
    const back = compileNode(a, node.node, loop);
    a.eps[back]?.push(loop);
    return loop;
  }
  const end = a.state();
  for (let i = node.min; i < node.max; i++) {
    a.eps[at]?.push(end);
    at = compileNode(a, node.node, at);
  }
  a.eps[at]?.push(end);
  return end;
}

interface Plan {
  /** Every pattern consulted for numbers of this calling code, run together. */
  all: Automaton;
  /** The main country's national prefix for parsing, with its accepting state (null: none). */
  prefix: { automaton: Automaton; accept: number } | null;
}

function patternsOf(entry: unknown[] | undefined): string[] {
  if (!entry) return [];
  const found: string[] = [];
  const add = (value: unknown) => {
    if (typeof value === 'string' && value !== '') found.push(value);
  };
  add(entry[2]);
  add(entry[5]);
  add(entry[7]);
  add(entry[10]);
  const types = entry[11];
  if (Array.isArray(types)) for (const type of types) if (Array.isArray(type)) add(type[0]);
  return found;
}

const plans = new Map<string, Plan | null>();

function planFor(callingCode: string): Plan | null {
  if (plans.has(callingCode)) return plans.get(callingCode) ?? null;
  let plan: Plan | null = null;
  try {
    const countries = metadata.country_calling_codes[callingCode] ?? [];
    const entries = [
      ...countries.map((c) => metadata.countries[c]),
      metadata.nonGeographic?.[callingCode],
    ].filter((e): e is unknown[] => Array.isArray(e));
    const all = new Automaton();
    const starts: number[] = [];
    for (const entry of entries) {
      for (const pattern of patternsOf(entry)) {
        const start = all.state();
        compile(all, parsePattern(pattern), start);
        starts.push(start);
      }
    }
    all.starts = all.closure(starts);
    all.finish();
    const main = entries[0];
    const prefixPattern =
      main && typeof main[7] === 'string' && main[7] !== ''
        ? main[7]
        : typeof main?.[5] === 'string'
          ? main[5]
          : '';
    let prefix: Plan['prefix'] = null;
    if (prefixPattern !== '') {
      const automaton = new Automaton();
      const start = automaton.state();
      const accept = compile(automaton, parsePattern(prefixPattern), start);
      automaton.starts = automaton.closure([start]);
      automaton.finish();
      prefix = { automaton, accept };
    }
    plan = { all, prefix };
  } catch (error) {
    if (!(error instanceof Unsupported)) throw error;
  }
  plans.set(callingCode, plan);
  return plan;
}

/**
 * A set of automaton states met while reading a number, built on first use and then reused
 * (the automaton made deterministic lazily): reading a digit is one array lookup.
 */
interface DState {
  states: number[];
  /** Some state here moves on a class or a digit (not \d): this position is looked at. */
  looksHere: boolean;
  /** Some state here can still reach such a move: later positions may be looked at. */
  looksLater: boolean;
  next: (DState | undefined)[];
}

const dstates = new WeakMap<Automaton, Map<string, DState>>();
const initial = new WeakMap<Automaton, DState>();

function start(a: Automaton): DState {
  let found = initial.get(a);
  if (!found) {
    found = dstate(a, a.starts);
    initial.set(a, found);
  }
  return found;
}

function dstate(a: Automaton, states: number[]): DState {
  let known = dstates.get(a);
  if (!known) {
    known = new Map();
    dstates.set(a, known);
  }
  const key = states.join(',');
  let found = known.get(key);
  if (!found) {
    found = {
      states,
      looksHere: states.some((s) => (a.to[s] ?? -1) >= 0 && a.mask[s] !== ALL_DIGITS),
      looksLater: states.some((s) => a.looks[s]),
      next: new Array(10),
    };
    known.set(key, found);
  }
  return found;
}

function step(a: Automaton, from: DState, digit: number): DState {
  const cached = from.next[digit];
  if (cached) return cached;
  const next: number[] = [];
  for (const s of from.states) {
    const to = a.to[s] ?? -1;
    if (to >= 0 && ((a.mask[s] ?? 0) >> digit) & 1) next.push(to);
  }
  const result = dstate(a, a.closure(next));
  from.next[digit] = result;
  return result;
}

/** How many leading digits of `nsn` any pattern looks at. */
function depthOf(a: Automaton, nsn: string): number {
  let at = start(a);
  let depth = 0;
  for (let i = 0; i < nsn.length && at.looksLater; i++) {
    if (at.looksHere) depth = i + 1;
    at = step(a, at, nsn.charCodeAt(i) - 48);
  }
  return depth;
}

/** Whether the national prefix pattern matches some start of `nsn`. */
function prefixMatches(prefix: NonNullable<Plan['prefix']>, nsn: string): boolean {
  const a = prefix.automaton;
  let at = start(a);
  for (let i = 0; ; i++) {
    if (at.states.includes(prefix.accept)) return true;
    if (i >= nsn.length || at.states.length === 0) return false;
    at = step(a, at, nsn.charCodeAt(i) - 48);
  }
}

function callingCodeOf(digits: string): string | null {
  for (let length = 1; length <= 3; length++) {
    const code = digits.slice(0, length);
    if (metadata.country_calling_codes[code]) return code;
  }
  return null;
}

type Template =
  | { ok: true; country: CountryCode; type: Extract<ParsedRecipient, { ok: true }>['type'] }
  | Extract<ParsedRecipient, { ok: false }>;

export class RecipientParser {
  private readonly cache = new Map<string, Template>();
  /** Numbers answered from the cache, and by parseRecipient (for the benchmark's report). */
  hits = 0;
  misses = 0;

  constructor(private readonly defaultCountry: CountryCode | undefined) {}

  parse(raw: string): ParsedRecipient {
    const input = raw.trim();
    if (!CANONICAL.test(input)) return this.slow(raw);
    const digits = input.slice(1);
    const code = callingCodeOf(digits);
    const plan = code ? planFor(code) : null;
    if (!code || !plan) return this.slow(raw);
    const nsn = digits.slice(code.length);
    if (plan.prefix && prefixMatches(plan.prefix, nsn)) return this.slow(raw);
    const key = `${code}:${nsn.length}:${nsn.slice(0, depthOf(plan.all, nsn))}`;
    const known = this.cache.get(key);
    if (known) {
      this.hits++;
      return known.ok ? { ok: true, e164: input, country: known.country, type: known.type } : known;
    }
    const parsed = this.slow(raw);
    if (parsed.ok && parsed.e164 !== input) return parsed;
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, parsed.ok ? { ok: true, country: parsed.country, type: parsed.type } : parsed);
    return parsed;
  }

  private slow(raw: string): ParsedRecipient {
    this.misses++;
    return parseRecipient(raw, this.defaultCountry);
  }
}
