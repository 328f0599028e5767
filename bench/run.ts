// npm run bench -- NAME: runs bench/NAME.ts. Each benchmark prints `BENCH {json}` last.
import { readdirSync } from 'node:fs';

const name = process.argv[2];
const available = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && f !== 'support.ts')
  .map((f) => f.replace(/\.ts$/, ''));
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${available.join('|')}>\n`);
  process.exit(2);
}
const { run } = (await import(`./${name}.ts`)) as {
  run: (args: string[]) => Promise<Record<string, unknown>>;
};
const result = await run(process.argv.slice(3));
process.stdout.write(`BENCH ${JSON.stringify(result)}\n`);
process.exit(0);
