import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { int8Array, jsonTexts, textArray, timestampArray } from './binary-arrays.ts';
import { startTestServer, type TestServer } from './testing/server.ts';

let server: TestServer;
let client: pg.Client;

beforeAll(async () => {
  server = await startTestServer();
  client = new pg.Client({ connectionString: server.connectionString });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await server?.dispose();
});

describe('binary array parameters', () => {
  test('text arrays arrive as given: quotes, backslashes, braces, commas, spaces, NULL words, non-ASCII, empty and null', async () => {
    const values = [
      'plain',
      'a "quoted" \\ back,slash',
      '{braces}',
      ' spaced ',
      'NULL',
      'zürich 東京 🙂',
      '',
      null,
      undefined,
    ];
    const { rows } = await client.query<{ v: string | null; n: string }>(
      'select v, n::text from unnest($1::text[]) with ordinality as x(v, n) order by n',
      [textArray(values)],
    );
    expect(rows.map((r) => r.v)).toEqual(values.map((v) => v ?? null));
  });

  test('instants arrive exact to the millisecond, before 1970 and 2000 too, with NULLs', async () => {
    const instants = [
      new Date('2026-03-02T08:00:00.001Z'),
      new Date('2026-10-25T00:59:59.999Z'),
      new Date('1999-12-31T23:59:59.999Z'),
      new Date('1969-07-20T20:17:40.123Z'),
      null,
      new Date('2000-01-01T00:00:00.000Z'),
    ];
    const { rows } = await client.query<{ ms: string | null }>(
      `select (extract(epoch from t) * 1000)::bigint::text as ms
       from unnest($1::timestamptz[]) with ordinality as x(t, n) order by n`,
      [timestampArray(instants)],
    );
    expect(rows.map((r) => (r.ms === null ? null : Number(r.ms)))).toEqual(
      instants.map((d) => d?.getTime() ?? null),
    );
  });

  test('bigints and JSON texts arrive as given', async () => {
    const days = [0, 1_772_409_600_000, -86_400_000, 2 ** 53 - 1];
    const raws = [{ status: 'online', note: 'a "b" \\ c' }, undefined, { nested: { list: [1, 2] } }];
    const { rows } = await client.query<{ d: string }>(
      'select d::text from unnest($1::bigint[]) with ordinality as x(d, n) order by n',
      [int8Array(days)],
    );
    expect(rows.map((r) => Number(r.d))).toEqual(days);
    const json = await client.query<{ j: unknown }>(
      'select r::jsonb as j from unnest($1::text[]) with ordinality as x(r, n) order by n',
      [jsonTexts(raws)],
    );
    expect(json.rows.map((r) => r.j)).toEqual(raws.map((r) => r ?? null));
  });

  test('empty arrays are empty', async () => {
    const { rows } = await client.query<{ a: number; b: number; c: number }>(
      `select cardinality($1::text[]) as a, cardinality($2::timestamptz[]) as b, cardinality($3::bigint[]) as c`,
      [textArray([]), timestampArray([]), int8Array([])],
    );
    expect(rows[0]).toEqual({ a: 0, b: 0, c: 0 });
  });
});
