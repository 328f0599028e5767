// A small path router: patterns such as `/v1/customers/:id/payment_methods`.

export type Method = 'GET' | 'POST';

export interface Route<H> {
  method: Method;
  pattern: string;
  handler: H;
}

export interface Match<H> {
  handler: H;
  params: PathParams;
}

export class PathParams {
  constructor(private readonly values: ReadonlyMap<string, string>) {}

  get(name: string): string {
    const value = this.values.get(name);
    if (value === undefined) throw new Error(`route has no parameter ${name}`);
    return value;
  }
}

function matchPattern(pattern: string, path: string): PathParams | null {
  const want = pattern.split('/');
  const have = path.split('/');
  if (want.length !== have.length) return null;
  const values = new Map<string, string>();
  for (let i = 0; i < want.length; i++) {
    const part = want[i] ?? '';
    const actual = have[i] ?? '';
    if (part.startsWith(':')) {
      if (actual === '') return null;
      values.set(part.slice(1), decodeURIComponent(actual));
    } else if (part !== actual) {
      return null;
    }
  }
  return new PathParams(values);
}

export function matchRoute<H>(routes: readonly Route<H>[], method: string, path: string): Match<H> | null {
  for (const route of routes) {
    if (route.method !== method) continue;
    const params = matchPattern(route.pattern, path);
    if (params) return { handler: route.handler, params };
  }
  return null;
}
