// Runs a TypeScript child process that reports progress as lines `<word> <count>` (and
// `finished` if it ever gets to the end), and kills it with SIGKILL once the count reaches
// `killAfter`: the crash tests' way of stopping a process mid-work.
import { spawn } from 'node:child_process';

export async function runUntilKilled(
  script: string,
  args: readonly string[],
  word: string,
  killAfter: number,
): Promise<{ progress: number; finished: boolean }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pattern = new RegExp(`^${word} (\\d+)$`);
  let progress = 0;
  let finished = false;
  await new Promise<void>((resolve, reject) => {
    let buffer = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'finished') finished = true;
        const match = pattern.exec(line);
        if (match) progress = Number(match[1]);
        if (progress >= killAfter && proc.exitCode === null && !proc.killed) proc.kill('SIGKILL');
      }
    });
    proc.on('exit', () => resolve());
    proc.on('error', reject);
  });
  return { progress, finished };
}
