// The e-invoices of the five VAT cases and a credit note against the official CEN EN 16931
// validation rules (../shared/tools/en16931/validate: the European Commission's Schematron,
// compiled for SaxonJS). That tool sits beside the project's clone, not in it: in a bare clone
// this check is skipped; with it, it must find no fatal error. It needs no database, so it runs
// once, here, rather than once per database (each document takes the tool several seconds).
// The Factur-X PDF embeds exactly the CII checked here (test/invoicing/render.test.ts).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCii, renderUbl } from '../../../src/invoicing/render/index.js';
import { CASES, domesticBusiness } from '../../invoicing/fixtures.js';
import { en16931Validator } from '../../invoicing/inspect.js';

const validator = en16931Validator();

function run(files: string[]): Promise<{ failed: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(validator ?? '', files, { encoding: 'utf8', timeout: 280_000 }, (error, stdout, stderr) =>
      resolve({ failed: error !== null, output: `${stdout}${error ? stderr : ''}` }),
    );
  });
}

describe.skipIf(!validator)('the official EN 16931 validation rules (shared/tools/en16931)', () => {
  it('find no fatal error in the UBL and the CII of the five VAT cases and of a credit note', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-en16931-'));
    try {
      const files: string[] = [];
      for (const [name, doc] of Object.entries(CASES)) {
        const slug = name.replace(/[^a-z]+/gi, '-');
        for (const [kind, xml] of [
          ['ubl', await renderUbl(doc)],
          ['cii', await renderCii(doc)],
        ] as const) {
          const file = join(dir, `${slug}.${kind}.xml`);
          writeFileSync(file, xml);
          files.push(file);
        }
      }
      const { failed, output } = await run(files);
      expect(failed ? output : '').toBe('');
      expect(output.match(/: 0 fatal,/g)).toHaveLength(files.length);

      // And the rules do bite: the same invoice with an amount due that does not add up.
      const broken = join(dir, 'broken.ubl.xml');
      writeFileSync(
        broken,
        (await renderUbl(domesticBusiness)).replace(/(<cbc:PayableAmount[^>]*>)0\.00</, '$11.00<'),
      );
      const refused = await run([broken]);
      expect(refused.failed).toBe(true);
      expect(refused.output).toContain('BR-CO-16');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
