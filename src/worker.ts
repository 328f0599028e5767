// Runs the background jobs on their intervals until stopped. A job that fails is logged and
// tried again at its next tick; a job never overlaps itself within one worker.
import type { AppContext } from './context.js';
import { JOBS, type Job } from './jobs.js';

export interface Worker {
  stop(): Promise<void>;
  /** Runs every job once now (tests, and `tollgate worker --once`). */
  runOnce(): Promise<void>;
}

export function startWorker(ctx: AppContext, jobs: Job[] = JOBS, { schedule = true } = {}): Worker {
  const running = new Map<string, Promise<void>>();
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;

  const tick = (job: Job): Promise<void> => {
    const current = running.get(job.name);
    if (current) return current;
    const run = job
      .run(ctx)
      .then(() => undefined)
      .catch((err: unknown) => ctx.logger.error({ err, job: job.name }, 'job failed'))
      .finally(() => running.delete(job.name));
    running.set(job.name, run);
    return run;
  };

  if (schedule) {
    for (const job of jobs) {
      if (job.atStart) void tick(job);
      timers.push(
        setInterval(() => {
          if (!stopped) void tick(job);
        }, job.intervalMs).unref(),
      );
    }
  }
  return {
    async stop() {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      await Promise.allSettled(running.values());
    },
    async runOnce() {
      await Promise.all(jobs.map(tick));
    },
  };
}
