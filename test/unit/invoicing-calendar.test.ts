// The invoicing calendar: the first business day of a month in the issuer's country (weekends
// and public holidays compared as dates), and months read in the issuer's time zone.
import { describe, expect, it } from 'vitest';
import {
  firstBusinessDay,
  issueDayOf,
  latestDueMonth,
  localMonth,
  monthPeriod,
} from '../../src/invoicing/calendar.js';

describe('first business day', () => {
  it.each([
    // 1 January 2027 is a Friday and a holiday, then a weekend: Monday the 4th.
    ['ES', '2027-01', '2027-01-04'],
    ['DE', '2027-01', '2027-01-04'],
    ['FR', '2027-01', '2027-01-04'],
    ['GB', '2027-01', '2027-01-04'],
    // A month starting on a Saturday (August 2026) and on a Sunday (November 2026).
    ['ES', '2026-08', '2026-08-03'],
    ['DE', '2026-08', '2026-08-03'],
    ['FR', '2026-11', '2026-11-02'],
    ['ES', '2026-11', '2026-11-02'],
    // A weekday that is a holiday: 1 May 2026 is a Friday (ES, DE, FR), then the weekend.
    ['ES', '2026-05', '2026-05-04'],
    ['DE', '2026-05', '2026-05-04'],
    ['FR', '2026-05', '2026-05-04'],
    // Not a holiday in GB on 1 May: an ordinary Friday.
    ['GB', '2026-05', '2026-05-01'],
    // Easter Monday 6 April 2026 in GB: Wednesday the 1st is an ordinary day.
    ['GB', '2026-04', '2026-04-01'],
    // An ordinary weekday.
    ['ES', '2026-12', '2026-12-01'],
    ['DE', '2026-10', '2026-10-01'],
  ])('%s %s → %s', (country, month, expected) => {
    expect(firstBusinessDay(month, country)).toBe(expected);
  });

  it('issues December 2026 on the first business day of January 2027', () => {
    expect(issueDayOf('2026-12', 'ES')).toBe('2027-01-04');
  });
});

describe('months in the issuer time zone', () => {
  it('puts a purchase paid at 23:30 UTC on 31 October in November (Europe/Madrid)', () => {
    expect(localMonth(new Date('2026-10-31T23:30:00Z'), 'Europe/Madrid')).toBe('2026-11');
    expect(localMonth(new Date('2026-10-31T22:59:59Z'), 'Europe/Madrid')).toBe('2026-10');
    expect(localMonth(new Date('2026-10-31T23:30:00Z'), 'UTC')).toBe('2026-10');
  });

  it('bounds a month by the local midnights, across a change of daylight saving time', () => {
    const october = monthPeriod('2026-10', 'Europe/Madrid');
    expect(october.from.toISOString()).toBe('2026-09-30T22:00:00.000Z');
    expect(october.until.toISOString()).toBe('2026-10-31T23:00:00.000Z');
    expect([october.start, october.end]).toEqual(['2026-10-01', '2026-10-31']);
    const february = monthPeriod('2028-02', 'America/New_York');
    expect(february.end).toBe('2028-02-29');
    expect(february.until.toISOString()).toBe('2028-03-01T05:00:00.000Z');
  });

  it('knows which month is due: not before the first business day', () => {
    // 3 January 2027 (Sunday): December is not due yet; November is.
    expect(latestDueMonth(new Date('2027-01-03T12:00:00Z'), 'Europe/Madrid', 'ES')).toBe('2026-11');
    // 4 January 2027, 00:30 in Madrid (23:30 UTC the day before): December is due.
    expect(latestDueMonth(new Date('2027-01-03T23:30:00Z'), 'Europe/Madrid', 'ES')).toBe('2026-12');
  });
});
