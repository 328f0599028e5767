// Dates of the invoicing calendar, in the issuer's time zone: which month an instant belongs to,
// the instants a month starts and ends at, and the first business day of a month in the issuer's
// country (weekends and public holidays from date-holidays, compared as dates, never instants).
import Holidays from 'date-holidays';

/** YYYY-MM-DD of an instant in a time zone. */
export function localDate(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** YYYY-MM of an instant in a time zone. */
export function localMonth(at: Date, timeZone: string): string {
  return localDate(at, timeZone).slice(0, 7);
}

/** Milliseconds the zone is ahead of UTC at an instant. */
function offsetMs(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? '0');
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(at.getTime() / 1000) * 1000;
}

/** The instant a local date (YYYY-MM-DD) begins in a time zone. */
export function startOfLocalDay(date: string, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  let guess = wall - offsetMs(new Date(wall), timeZone);
  // Once more with the offset at the guess (a change of offset between the two).
  guess = wall - offsetMs(new Date(guess), timeZone);
  return new Date(guess);
}

export const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isMonth(value: string): boolean {
  return MONTH.test(value);
}

/** The month after YYYY-MM. */
export function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

export function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

function lastDayOf(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${month}-${String(days).padStart(2, '0')}`;
}

export interface MonthPeriod {
  month: string;
  /** First and last day, YYYY-MM-DD. */
  start: string;
  end: string;
  /** [from, until): the instants of the month in the time zone. */
  from: Date;
  until: Date;
}

export function monthPeriod(month: string, timeZone: string): MonthPeriod {
  return {
    month,
    start: `${month}-01`,
    end: lastDayOf(month),
    from: startOfLocalDay(`${month}-01`, timeZone),
    until: startOfLocalDay(`${nextMonth(month)}-01`, timeZone),
  };
}

const calendars = new Map<string, Holidays>();

function calendarOf(country: string, region: string | undefined): Holidays {
  const key = `${country}/${region ?? ''}`;
  let calendar = calendars.get(key);
  if (!calendar) {
    calendar = region ? new Holidays(country, region) : new Holidays(country);
    calendars.set(key, calendar);
  }
  return calendar;
}

const publicHolidayCache = new Map<string, Set<string>>();

/** The public holidays (YYYY-MM-DD) of a year in a country (and region). */
export function publicHolidays(country: string, year: number, region?: string): Set<string> {
  const key = `${country}/${region ?? ''}/${year}`;
  let days = publicHolidayCache.get(key);
  if (!days) {
    days = new Set(
      calendarOf(country, region)
        .getHolidays(year)
        .filter((holiday) => holiday.type === 'public')
        .map((holiday) => holiday.date.slice(0, 10)),
    );
    publicHolidayCache.set(key, days);
  }
  return days;
}

/** Whether a date (YYYY-MM-DD) is a working day: not Saturday, Sunday or a public holiday. */
export function isBusinessDay(date: string, country: string, region?: string): boolean {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  return !publicHolidays(country, y, region).has(date);
}

/** The first business day (YYYY-MM-DD) of a month in a country. */
export function firstBusinessDay(month: string, country: string, region?: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  for (let day = 1; day <= 31; day++) {
    const date = `${y}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    if (isBusinessDay(date, country, region)) return date;
  }
  throw new Error(`no business day in ${month} for ${country}`);
}

/** The day month M is invoiced: the first business day of M+1. */
export function issueDayOf(month: string, country: string, region?: string): string {
  return firstBusinessDay(nextMonth(month), country, region);
}

/**
 * The latest month whose invoicing day has come by `now` (in the time zone): the previous month
 * when today is on or after this month's first business day, else the one before it.
 */
export function latestDueMonth(now: Date, timeZone: string, country: string, region?: string): string {
  const today = localDate(now, timeZone);
  const current = today.slice(0, 7);
  const previous = previousMonth(current);
  return today >= issueDayOf(previous, country, region) ? previous : previousMonth(previous);
}
