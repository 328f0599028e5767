// DNS rebinding: a name that answers a public address when it is checked and a private one a
// moment later must not get the request to the private one. The delivery resolves the name
// once, checks every address, and connects to an address from that same answer.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const answers = vi.hoisted(() => ({ calls: 0, sequence: [] as { address: string; family: number }[][] }));

vi.mock('node:dns', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:dns')>();
  const lookup = (
    _hostname: string,
    _options: unknown,
    callback: (error: Error | null, addresses: { address: string; family: number }[]) => void,
  ) => {
    const answer = answers.sequence[Math.min(answers.calls, answers.sequence.length - 1)] ?? [];
    answers.calls++;
    setImmediate(() => callback(null, answer));
  };
  return { ...real, default: { ...real, lookup }, lookup };
});

const { post } = await import('../../../src/messaging/webhooks/deliver.js');

describe('webhook delivery and DNS rebinding', () => {
  let server: Server;
  let port = 0;
  let reached = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      reached++;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );

  it('connects only to an address it checked, never to a second answer', async () => {
    // Public when checked (an address this machine cannot reach), loopback when asked again.
    answers.calls = 0;
    answers.sequence = [[{ address: '198.51.99.1', family: 4 }], [{ address: '127.0.0.1', family: 4 }]];
    const url = new URL(`http://rebind.example.com:${port}/hook`);
    await expect(post(url, {}, '{}', 300, true)).rejects.toThrow();
    expect(answers.calls).toBe(1);
    expect(reached).toBe(0);
  });

  it('refuses a name when any one of its addresses is not public, without naming it', async () => {
    answers.calls = 0;
    answers.sequence = [
      [
        { address: '198.51.99.1', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ],
    ];
    const url = new URL(`http://mixed.example.com:${port}/hook`);
    const refused = post(url, {}, '{}', 300, true);
    await expect(refused).rejects.toThrow(
      'refused: mixed.example.com has no address, or one that is not public',
    );
    await expect(refused).rejects.not.toThrow(/127/);
    expect(reached).toBe(0);
  });

  it('reaches the receiver when the operator allows private addresses', async () => {
    answers.calls = 0;
    answers.sequence = [[{ address: '127.0.0.1', family: 4 }]];
    const url = new URL(`http://127.0.0.1:${port}/hook`);
    expect(await post(url, {}, '{}', 1000, false)).toBe(200);
    expect(reached).toBe(1);
  });
});
