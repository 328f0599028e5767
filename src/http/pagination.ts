// Keyset pagination over (created_at, id), newest first, for every list of the API. The cursor
// is opaque to clients.
import { validationFailed } from './errors.js';

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): { at: Date; id: string } | null {
  if (cursor === undefined || cursor === '') return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      const at = new Date(parsed[0]);
      if (!Number.isNaN(at.getTime())) return { at, id: parsed[1] };
    }
  } catch {
    // fall through to the validation error
  }
  throw validationFailed([{ path: 'querystring.cursor', message: 'is not a cursor this API gave out' }]);
}
