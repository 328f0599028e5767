// The VIES client against a local stand-in speaking the REST API's shape (never the real
// service), and the VAT settings read from the environment.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { askVies } from '../../../src/purchases/vat/vies.js';

type Handler = (body: Record<string, string>, res: ServerResponse) => void;

describe('askVies', () => {
  let server: Server;
  let base: string;
  const seen: { url: string; body: Record<string, string> }[] = [];
  let handler: Handler = () => undefined;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let raw = '';
      req.on('data', (chunk) => {
        raw += chunk;
      });
      req.on('end', () => {
        const body = JSON.parse(raw || '{}') as Record<string, string>;
        seen.push({ url: req.url ?? '', body });
        handler(body, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/vies`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  // Generous for answers (a loaded machine must not turn an answer into a timeout); short where a timeout is the point.
  const config = () => ({ url: base, timeoutMs: 5_000 });

  it('posts the country code and number apart, with the issuer as requester, and keeps the consultation number', async () => {
    handler = (body, res) =>
      json(res, 200, {
        countryCode: body.countryCode,
        vatNumber: body.vatNumber,
        requestDate: '2026-12-07T06:00:00.000Z',
        valid: true,
        requestIdentifier: 'WAPIAAAAZ1abcdEf',
        name: 'EXAMPLE GMBH',
        address: 'BERLIN',
      });
    const answer = await askVies(config(), 'DE136695976', 'ESB12345674');
    expect(answer).toEqual({
      outcome: 'valid',
      requestIdentifier: 'WAPIAAAAZ1abcdEf',
      traderName: 'EXAMPLE GMBH',
      traderAddress: 'BERLIN',
      error: null,
    });
    expect(seen.at(-1)).toEqual({
      url: '/vies/check-vat-number',
      body: {
        countryCode: 'DE',
        vatNumber: '136695976',
        requesterMemberStateCode: 'ES',
        requesterNumber: 'B12345674',
      },
    });
  });

  it('asks about a Greek id as EL', async () => {
    handler = (_body, res) => json(res, 200, { valid: true });
    await askVies(config(), 'EL094014201', undefined);
    expect(seen.at(-1)?.body).toEqual({ countryCode: 'EL', vatNumber: '094014201' });
  });

  it('reads valid: false as invalid', async () => {
    handler = (_body, res) => json(res, 200, { valid: false, requestIdentifier: 'WAPIAAAAZ2', name: '---' });
    expect(await askVies(config(), 'DE136695976', undefined)).toMatchObject({
      outcome: 'invalid',
      requestIdentifier: 'WAPIAAAAZ2',
    });
  });

  it.each([
    [
      'a member state not replying (200 with userError)',
      200,
      { valid: false, userError: 'MS_UNAVAILABLE' },
      'MS_UNAVAILABLE',
    ],
    [
      'an error wrapper',
      500,
      { actionSucceed: false, errorWrappers: [{ error: 'SERVICE_UNAVAILABLE', message: 'down' }] },
      'SERVICE_UNAVAILABLE',
    ],
    ['too many requests', 200, { valid: false, userError: 'MS_MAX_CONCURRENT_REQ' }, 'MS_MAX_CONCURRENT_REQ'],
    ['a bare 503', 503, { message: 'maintenance' }, 'HTTP 503'],
    ['an answer without valid', 200, { countryCode: 'DE' }, 'an answer without "valid"'],
  ])('reads %s as unavailable, never as invalid', async (_name, status, body, error) => {
    handler = (_b, res) => json(res, status, body);
    expect(await askVies(config(), 'DE136695976', undefined)).toEqual({
      outcome: 'unavailable',
      requestIdentifier: null,
      traderName: null,
      traderAddress: null,
      error,
    });
  });

  it('reads INVALID_INPUT as invalid', async () => {
    handler = (_b, res) =>
      json(res, 400, { actionSucceed: false, errorWrappers: [{ error: 'INVALID_INPUT' }] });
    expect(await askVies(config(), 'DE136695976', undefined)).toMatchObject({ outcome: 'invalid' });
  });

  it('gives up after its timeout', async () => {
    handler = () => undefined; // never answers
    const started = Date.now();
    const answer = await askVies({ url: base, timeoutMs: 300 }, 'DE136695976', undefined);
    expect(answer).toMatchObject({ outcome: 'unavailable', error: 'no answer within 300 ms' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reads a refused connection as unavailable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const answer = await askVies(
      { url: `http://127.0.0.1:${port}`, timeoutMs: 1_000 },
      'DE136695976',
      undefined,
    );
    expect(answer.outcome).toBe('unavailable');
    expect(answer.error).toMatch(/^network/);
  });
});

describe('VAT settings', () => {
  const load = (env: Record<string, string>) => loadConfig({ DATA_DIR: '/tmp/tollgate-test', ...env });
  const problem = (env: Record<string, string>) => {
    try {
      load(env);
    } catch (error) {
      if (error instanceof ConfigError) return error.message;
      throw error;
    }
    return null;
  };

  it('defaults to the table and VIES off', () => {
    const { vat } = load({});
    expect(vat.vies).toBeUndefined();
    expect(vat.euRates.DE).toBe(1900);
    expect(vat.euRateOverrides).toEqual({});
  });

  it('reads EU_VAT_RATES overrides in percent (EL for Greece too)', () => {
    const { vat } = load({ EU_VAT_RATES: 'FR:20, hu:27 ,FI:25.5,EL:23%' });
    expect(vat.euRateOverrides).toEqual({ FR: 2000, HU: 2700, FI: 2550, GR: 2300 });
    expect(vat.euRates.GR).toBe(2300);
    expect(vat.euRates.DE).toBe(1900);
  });

  it.each([
    ['FR', 'EU_VAT_RATES: "FR" is not "<country>:<percent>" such as "FR:20" or "FI:25.5"'],
    ['FR:twenty', 'EU_VAT_RATES: "FR:twenty" is not "<country>:<percent>" such as "FR:20" or "FI:25.5"'],
    ['GB:20', 'EU_VAT_RATES: GB is not an EU member state'],
    ['FR:20,FR:21', 'EU_VAT_RATES: FR is given twice'],
    ['FR:101', 'EU_VAT_RATES: FR: a rate is at most 100 %, got 101'],
    ['FR:20.125', 'EU_VAT_RATES: "FR:20.125" is not "<country>:<percent>" such as "FR:20" or "FI:25.5"'],
  ])('refuses EU_VAT_RATES=%s with one clear line', (value, message) => {
    expect(problem({ EU_VAT_RATES: value })).toBe(message);
  });

  it('turns VIES on with VIES_URL and bounds VIES_TIMEOUT_MS', () => {
    expect(load({ VIES_URL: 'https://vies.example/rest-api/', VIES_TIMEOUT_MS: '2500' }).vat.vies).toEqual({
      url: 'https://vies.example/rest-api',
      timeoutMs: 2500,
    });
    expect(load({ VIES_URL: 'http://127.0.0.1:9/x' }).vat.vies?.timeoutMs).toBe(5000);
    expect(problem({ VIES_URL: 'ftp://vies.example' })).toBe('VIES_URL: must start with http:// or https://');
    expect(problem({ VIES_TIMEOUT_MS: '50' })).toBe('VIES_TIMEOUT_MS: must be between 100 and 60000, got 50');
    expect(problem({ VIES_TIMEOUT_MS: 'soon' })).toBe('VIES_TIMEOUT_MS: must be a whole number, got "soon"');
  });
});
