import type { Context } from 'hono';

/** An RFC 9457 problem body, with the parameters at fault named in `invalidParams`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  invalidParams?: { name: string; reason: string }[];
}

export function problem(c: Context, body: Omit<Problem, 'type'> & { type?: string }) {
  return c.body(JSON.stringify({ type: 'about:blank', ...body }), body.status as 400, {
    'content-type': 'application/problem+json',
  });
}

export function invalidParams(c: Context, params: { name: string; reason: string }[]) {
  return problem(c, {
    title: 'Invalid parameter',
    status: 400,
    detail: params.map((p) => `${p.name}: ${p.reason}`).join('; '),
    invalidParams: params,
  });
}
