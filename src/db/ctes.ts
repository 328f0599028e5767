// Statements built of data-modifying CTEs whose values are numbered as they are added: the
// batched writer's companion rows (ledger/engine.ts) and the inserts of new messages
// (messaging/store.ts) are written this way, on their own or inside a larger statement.
import type { Queryable, QueryResult } from './types.js';

/** Adds a value to the statement's parameters and returns its placeholder, cast. */
export type Param = (value: unknown, cast: string) => string;

/** A data-modifying statement, `name as (sql)`; it may read the CTEs before it by name. */
export interface Cte {
  name: string;
  sql: string;
}

/** `name as (sql), …`, for a WITH clause. */
export function cteList(ctes: readonly Cte[]): string {
  return ctes.map((c) => `${c.name} as (${c.sql})`).join(',\n');
}

/**
 * Runs the CTEs `build` returns as one statement, ending in `select` over the last of them
 * (given its name). Nothing runs when `build` returns none.
 */
export async function queryCtes<T>(
  q: Queryable,
  build: (param: Param) => Cte[],
  select: (last: string) => string,
): Promise<QueryResult<T>> {
  const params: unknown[] = [];
  const ctes = build((value, cast) => {
    params.push(value);
    return `$${params.length}::${cast}`;
  });
  const last = ctes[ctes.length - 1];
  if (!last) return { rows: [], rowCount: 0 };
  return q.query<T>(`with ${cteList(ctes)} ${select(last.name)}`, params);
}
