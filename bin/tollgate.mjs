#!/usr/bin/env node
// Entry point of the `tollgate` command. A built tree (npm run build) runs from dist/;
// a checkout runs the TypeScript sources directly through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = fileURLToPath(new URL('../dist/main.js', import.meta.url));
if (existsSync(built)) {
  const { main } = await import(built);
  await main(process.argv.slice(2));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/main.ts');
  await main(process.argv.slice(2));
}
