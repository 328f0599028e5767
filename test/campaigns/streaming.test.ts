// A large upload is read as a stream: a generated 200,000-row CSV goes over a real HTTP
// connection (no Content-Length, so nothing can size a buffer for it) while the heap is
// sampled after a forced collection (what is live, not garbage waiting for the collector);
// its growth stays far below the file's size, because the rows are staged in chunks as they
// arrive.
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { closeApp, customerWithCredit, messagingApp } from '../messaging/helpers.js';

const ROWS = 200_000;

setFlagsFromString('--expose-gc');
const gc: () => void = runInNewContext('gc');

function liveHeap(): number {
  gc();
  return process.memoryUsage().heapUsed;
}
const NOTE = 'n'.repeat(200);

function csvStream(boundary: string): { stream: Readable; bytes: () => number } {
  let sent = 0;
  async function* generate() {
    const head =
      `--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nBig\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\nHi {name}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="draft"\r\n\r\ntrue\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n` +
      'phone,name,note\n';
    yield Buffer.from(head);
    for (let start = 0; start < ROWS; start += 1_000) {
      let chunk = '';
      for (let i = start; i < start + 1_000; i++) chunk += `+346${String(10_000_000 + i)},Name${i},${NOTE}\n`;
      sent += chunk.length;
      yield Buffer.from(chunk);
    }
    yield Buffer.from(`\r\n--${boundary}--\r\n`);
  }
  return { stream: Readable.from(generate()), bytes: () => sent };
}

describe('a large campaign upload', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await messagingApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => closeApp(t));

  it('is staged with bounded memory: heap growth far below the file size', { timeout: 240_000 }, async () => {
    const alice = await customerWithCredit(t, '10');
    const { port } = t.app.server.address() as AddressInfo;
    const boundary = 'streamingtestboundary';
    const { stream, bytes } = csvStream(boundary);
    const baseline = liveHeap();
    let peak = baseline;
    let samples = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, liveHeap());
      samples++;
    }, 250);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          port,
          host: '127.0.0.1',
          method: 'POST',
          path: '/api/v1/campaigns',
          headers: { ...alice.headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            body += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      stream.pipe(req);
    });
    clearInterval(sampler);
    expect(answer.status, answer.body).toBe(201);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'draft', recipients: ROWS, invalid: 0 });
    const fileBytes = bytes();
    expect(fileBytes).toBeGreaterThan(40_000_000);
    const growth = peak - baseline;
    console.log(
      `file ${(fileBytes / 1e6).toFixed(1)} MB, live heap growth at peak ${(growth / 1e6).toFixed(1)} MB (${samples} samples)`,
    );
    expect(samples).toBeGreaterThan(3);
    expect(growth).toBeLessThan(fileBytes / 4);
    const { rows } = await t.ctx.db.query<{ n: bigint }>('select count(*)::bigint as n from campaign_rows');
    expect(rows[0]?.n).toBe(BigInt(ROWS));
  });
});
