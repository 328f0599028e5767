// Carrier routing: the longest prefix wins, `*` or CARRIER_DEFAULT for the rest, and a route
// to a carrier that is not configured stops start-up with one line saying which.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';
import type { Queryable } from '../../../src/db/types.js';
import {
  type Carrier,
  type Carriers,
  createCarrier,
  createCarriers,
  routedCarrier,
  SimulatorCarrier,
} from '../../../src/messaging/carriers/index.js';
import { createRouter, RoutingError } from '../../../src/messaging/carriers/routing.js';
import { FakeSmsc, until } from './fake-smsc.js';

const named = (id: string): Carrier => ({
  id,
  submit: async () => ({ ok: true, carrierMessageId: id }),
  onReceipt() {},
});

describe('createRouter', () => {
  const carriers = new Map([
    ['a', named('a')],
    ['b', named('b')],
    ['c', named('c')],
  ]);

  it('picks the longest matching prefix, and the default for the rest', () => {
    const route = createRouter(
      [
        { prefix: '+44', carrier: 'a' },
        { prefix: '+447', carrier: 'b' },
        { prefix: '+1', carrier: 'a' },
      ],
      'c',
      carriers,
    );
    expect(route('+447700900123').id).toBe('b');
    expect(route('+442079460000').id).toBe('a');
    expect(route('+15550100').id).toBe('a');
    expect(route('+34600111222').id).toBe('c');
  });

  it('refuses a route to a carrier that does not exist, a bad prefix, and a prefix given twice', () => {
    expect(() => createRouter([{ prefix: '+44', carrier: 'smpp' }], 'a', carriers)).toThrow(
      new RoutingError('route +44 names carrier "smpp", which is not configured'),
    );
    expect(() => createRouter([], 'nope', carriers)).toThrow(RoutingError);
    expect(() => createRouter([{ prefix: '44', carrier: 'a' }], 'a', carriers)).toThrow(RoutingError);
    expect(() =>
      createRouter(
        [
          { prefix: '+44', carrier: 'a' },
          { prefix: '+44', carrier: 'b' },
        ],
        'a',
        carriers,
      ),
    ).toThrow(RoutingError);
  });
});

const SMPP = { SMPP_HOST: '127.0.0.1', SMPP_SYSTEM_ID: 'tollgate', SMPP_PASSWORD: 'secret' };

describe('carrier configuration', () => {
  it('defaults to the simulator for everything, with no SMPP', () => {
    const config = loadConfig({});
    expect(config.sms.carrier).toBe('simulator');
    expect(config.carriers).toEqual({ routes: [], smpp: undefined });
  });

  it('reads routes, the default and the SMPP settings with their defaults', () => {
    const config = loadConfig({ ...SMPP, CARRIER_ROUTES: ' +44=smpp, +1=smpp ,*=simulator' });
    expect(config.sms.carrier).toBe('simulator');
    expect(config.carriers.routes).toEqual([
      { prefix: '+44', carrier: 'smpp' },
      { prefix: '+1', carrier: 'smpp' },
    ]);
    expect(config.carriers.smpp).toEqual({
      host: '127.0.0.1',
      port: 2775,
      systemId: 'tollgate',
      password: 'secret',
      systemType: '',
      window: 10,
      throughput: 0,
      enquireLinkMs: 30_000,
      defaultSource: 'Tollgate',
      alphabet: 'GSM-7',
      gsmDataCoding: 0,
      gsmPacking: 'unpacked',
    });
    expect(loadConfig({ ...SMPP, CARRIER_DEFAULT: 'smpp' }).sms.carrier).toBe('smpp');
    expect(loadConfig({ ...SMPP, CARRIER_ROUTES: '*=smpp' }).sms.carrier).toBe('smpp');
    expect(loadConfig({ SMS_CARRIER: 'simulator' }).sms.carrier).toBe('simulator');
  });

  it('reads how the SMSC wants text: the alphabet, the GSM data_coding and the packing', () => {
    const config = loadConfig({
      ...SMPP,
      SMPP_ALPHABET: 'latin1',
      SMPP_GSM_DATA_CODING: '1',
      SMPP_GSM_PACKING: 'packed',
    });
    expect(config.carriers.smpp).toMatchObject({
      alphabet: 'Latin-1',
      gsmDataCoding: 1,
      gsmPacking: 'packed',
    });
  });

  it.each([
    [
      { CARRIER_ROUTES: '+44=smpp' },
      'CARRIER_ROUTES',
      /route \+44 names carrier smpp, which is not configured/,
    ],
    [{ CARRIER_DEFAULT: 'smpp' }, 'CARRIER_DEFAULT', /not configured \(set SMPP_HOST\)/],
    [{ CARRIER_ROUTES: '+44=pigeon' }, 'CARRIER_ROUTES', /unknown carrier "pigeon"/],
    [{ CARRIER_ROUTES: '44=simulator' }, 'CARRIER_ROUTES', /is not "\+<digits>=<carrier>"/],
    [{ CARRIER_ROUTES: '+44=simulator,+44=simulator' }, 'CARRIER_ROUTES', /given twice/],
    [{ ...SMPP, CARRIER_ROUTES: '*=smpp', CARRIER_DEFAULT: 'simulator' }, 'CARRIER_ROUTES', /contradicts/],
    [{ SMPP_HOST: 'smsc.example.com' }, 'SMPP_SYSTEM_ID', /required/],
    [{ ...SMPP, SMPP_WINDOW: '0' }, 'SMPP_WINDOW', /between/],
    [{ ...SMPP, SMPP_PASSWORD: 'much-too-long' }, 'SMPP_PASSWORD', /at most 8/],
    [{ ...SMPP, SMPP_ALPHABET: 'ascii' }, 'SMPP_ALPHABET', /one of gsm, latin1/],
    [{ ...SMPP, SMPP_GSM_DATA_CODING: '3' }, 'SMPP_GSM_DATA_CODING', /one of 0, 1/],
    [{ ...SMPP, SMPP_GSM_PACKING: 'zipped' }, 'SMPP_GSM_PACKING', /one of unpacked, packed/],
  ])('refuses %j with one line about %s', (env, variable, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toMatch(message);
    expect((error as ConfigError).message).not.toContain('\n');
  });
});

describe('createCarriers', () => {
  const noDb: Queryable = {
    query: async () => {
      throw new Error('no database in this test');
    },
    exec: async () => {},
  };
  const deps = { db: noDb, logger: pino({ level: 'silent' }), now: () => new Date() };
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const thing of open.splice(0).reverse()) await thing.close();
  });

  it('is the simulator alone by default, and createCarrier still returns it', async () => {
    const config = loadConfig({});
    const carriers = createCarriers(config, deps);
    open.push(carriers);
    expect(carriers.all.map((c) => c.id)).toEqual(['simulator']);
    expect(carriers.route('+447700900123')).toBe(carriers.all[0]);
    expect(createCarrier(config, noDb, deps.logger, deps.now)).toBeInstanceOf(SimulatorCarrier);
  });

  it('sends +44 over SMPP and the rest to the simulator', async () => {
    const smsc = new FakeSmsc();
    const port = await smsc.listen();
    open.push(smsc);
    const config = loadConfig({ ...SMPP, SMPP_PORT: String(port), CARRIER_ROUTES: '+44=smpp' });
    const carriers: Carriers = createCarriers(config, deps);
    open.push(carriers);
    expect(carriers.all.map((c) => c.id).sort()).toEqual(['simulator', 'smpp']);
    expect(carriers.route('+447700900123').id).toBe('smpp');
    expect(carriers.route('+34600111222').id).toBe('simulator');
    expect(carriers.byId('smpp')).toBe(carriers.route('+447700900123'));
    expect(carriers.byId('nope')).toBeUndefined();

    const routed = routedCarrier(carriers);
    const result = await routed.submit({ id: 'msg_r', to: '+447700900123', text: 'routed' });
    expect(result).toEqual({ ok: true, carrierMessageId: 'm1' });
    expect(smsc.submits.map((s) => s.text)).toEqual(['routed']);

    await carriers.close();
    expect(smsc.unbinds).toBe(1);
    await until(() => smsc.sessions === 0, 1000, 'the session to end');
  });
});
