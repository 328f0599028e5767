// Which errors mean "the database cannot be reached for now", and that each becomes
// `503 unavailable` with Retry-After while every other error stays what it was.
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/db/unavailable.js';
import { toAppError } from '../../src/http/app.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('a database that cannot be reached', () => {
  const unavailable: [string, unknown][] = [
    ['a refused connection', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a reset connection', withCode('ECONNRESET')],
    [
      'localhost refusing on both addresses',
      Object.assign(new AggregateError([withCode('ECONNREFUSED')]), {}),
    ],
    [
      'the server shutting down a session (57P01)',
      withCode('57P01', 'terminating connection due to administrator command'),
    ],
    ['the server starting up (57P03)', withCode('57P03', 'the database system is starting up')],
    ['a connection failure (08006)', withCode('08006')],
    ['the driver losing its connection', new Error('Connection terminated unexpectedly')],
    [
      'a client that already lost it',
      new Error('Client has encountered a connection error and is not queryable'),
    ],
    ['a pool that could not connect in time', new Error('timeout exceeded when trying to connect')],
    ['one of those as a cause', new Error('batch failed', { cause: withCode('ECONNREFUSED') })],
  ];
  it.each(unavailable)('%s is 503 unavailable with Retry-After', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
    const answer = toAppError(error);
    expect(answer.status).toBe(503);
    expect(answer.code).toBe('unavailable');
    expect(answer.headers['retry-after']).toMatch(/^\d+$/);
    expect(answer.details).toMatchObject({ reason: 'database_unavailable' });
  });

  const others: [string, unknown][] = [
    ['a unique violation', withCode('23505')],
    ['a syntax error', withCode('42601')],
    ['an out-of-range bigint', withCode('22003')],
    ['a plain bug', new TypeError('undefined is not a function')],
    ['a string', 'Connection terminated'],
  ];
  it.each(others)('%s is not', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
    expect(toAppError(error).status).not.toBe(503);
  });
});
