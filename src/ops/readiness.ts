// Readiness: can this process do its work now? One probe per dependency, each bounded by
// HEALTH_READY_TIMEOUT_MS, run together; the answer is kept for HEALTH_READY_CACHE_MS and
// callers arriving meanwhile share it (and a probe run in flight), so a load balancer asking
// every second from many nodes costs each dependency at most one probe per period.
//
//   database  select 1
//   smtp      the mail transport connects, greets and logs in (file transport: the folder is writable)
//   stripe    an authenticated read (events, limit 1): reachable, and the key is accepted
//   carrier   every carrier with a session (SMPP) is bound
//
// Every dependency is reported; those in HEALTH_READY_REQUIRES make the answer not ready.
import type { ReadyDependency } from '../config.js';
import type { AppContext } from '../context.js';
import { metrics } from '../metrics.js';
import { SmppCarrier } from '../messaging/carriers/smpp/carrier.js';
import { stripeProbe } from '../purchases/providers/stripe/index.js';

export interface ProbeResult {
  status: 'up' | 'down';
  ms: number;
  /** What is wrong, for an operator (never a secret). */
  error?: string;
  /** What was checked (`smtp`, `file`, `sandbox`, `smpp bound`…). */
  detail?: string;
}

export interface ReadinessReport {
  ready: boolean;
  /** Required dependencies that are down, in the order of HEALTH_READY_REQUIRES. */
  down: ReadyDependency[];
  checks: Partial<Record<ReadyDependency, ProbeResult>>;
  checkedAt: Date;
}

/** A probe resolves with what it checked, or throws what is wrong. */
type Probe = () => Promise<string>;

class ProbeTimeout extends Error {}

async function run(probe: Probe, timeoutMs: number): Promise<ProbeResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new ProbeTimeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const detail = await Promise.race([probe(), timeout]);
    return { status: 'up', ms: elapsed(started), detail };
  } catch (error) {
    return { status: 'down', ms: elapsed(started), error: describe(error) };
  } finally {
    clearTimeout(timer);
  }
}

const elapsed = (started: number) => Math.round((performance.now() - started) * 10) / 10;

/** An error's message, one line, without anything that looks like credentials in a URL. */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (
    message
      .replace(/\/\/[^/\s:@]+:[^/\s@]+@/g, '//[redacted]@')
      .split('\n')[0]
      ?.slice(0, 300) ?? 'failed'
  );
}

function probesOf(ctx: AppContext): Partial<Record<ReadyDependency, Probe>> {
  const probes: Partial<Record<ReadyDependency, Probe>> = {
    database: async () => {
      await ctx.db.query('select 1');
      return ctx.db.kind;
    },
    smtp: async () => {
      await ctx.mailer.verify();
      return ctx.mailer.transport.kind;
    },
    carrier: async () => {
      const sessions = ctx.messaging.carriers.all.filter((c) => c instanceof SmppCarrier);
      const unbound: string[] = [];
      for (const carrier of sessions) {
        const state = carrier.state();
        if (!state.bound) unbound.push(`${carrier.id} not bound${state.problem ? `: ${state.problem}` : ''}`);
      }
      if (unbound.length > 0) throw new Error(unbound.join('; '));
      return ctx.messaging.carriers.all.map((c) => c.id).join(', ');
    },
  };
  const stripe = stripeProbe(ctx);
  if (stripe) probes.stripe = stripe;
  return probes;
}

export class Readiness {
  private last: ReadinessReport | null = null;
  private running: Promise<ReadinessReport> | null = null;

  constructor(private readonly ctx: AppContext) {}

  /** The current report: cached, shared with concurrent callers, probed when stale. */
  check(): Promise<ReadinessReport> {
    const { readyCacheMs } = this.ctx.config.ops;
    const last = this.last;
    if (last && Date.now() - last.checkedAt.getTime() < readyCacheMs) return Promise.resolve(last);
    this.running ??= this.probe().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async probe(): Promise<ReadinessReport> {
    const { readyRequires, readyTimeoutMs } = this.ctx.config.ops;
    const probes = Object.entries(probesOf(this.ctx)) as [ReadyDependency, Probe][];
    const results = await Promise.all(probes.map(([, probe]) => run(probe, readyTimeoutMs)));
    const checks: ReadinessReport['checks'] = {};
    probes.forEach(([name], i) => {
      const result = results[i];
      if (!result) return;
      checks[name] = result;
      metrics.dependencyUp.set({ dependency: name }, result.status === 'up' ? 1 : 0);
    });
    const down = readyRequires.filter((name) => checks[name]?.status === 'down');
    const report: ReadinessReport = { ready: down.length === 0, down, checks, checkedAt: new Date() };
    if (!report.ready && this.last?.ready !== false) {
      this.ctx.logger.warn({ down, checks }, 'not ready: a dependency is down');
    } else if (report.ready && this.last?.ready === false) {
      this.ctx.logger.info({ checks }, 'ready again');
    }
    this.last = report;
    return report;
  }
}

const instances = new WeakMap<AppContext, Readiness>();

/** The context's readiness (one cache per process, shared by /health/ready and /metrics). */
export function readinessOf(ctx: AppContext): Readiness {
  let readiness = instances.get(ctx);
  if (!readiness) {
    readiness = new Readiness(ctx);
    instances.set(ctx, readiness);
  }
  return readiness;
}
