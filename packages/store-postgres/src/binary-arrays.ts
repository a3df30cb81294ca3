/**
 * Array parameters in PostgreSQL's binary format, for the write path's `unnest` batches.
 *
 * node-postgres sends a `Buffer` parameter as it is, flagged binary in the Bind message, where it
 * would otherwise turn a JavaScript array into text: every element quoted and escaped here, and
 * parsed again by the server (`timestamptz` text by the date parser). A binary array is what the
 * server's `array_recv` reads directly: a header (dimensions, a has-nulls flag, the element type),
 * the length and lower bound of the one dimension, then each element as its length (-1 for NULL)
 * and its bytes in the type's own binary form (`timestamptz_send`: microseconds since 2000-01-01 UTC
 * as a big-endian int64; `textsend`: the UTF-8 bytes). The SQL still casts each parameter (`$1::text[]`), so its type is the one the header names.
 */

const TEXT_OID = 25;
const TIMESTAMPTZ_OID = 1184;
const INT8_OID = 20;

/** 2000-01-01T00:00:00Z, PostgreSQL's epoch, in Unix epoch milliseconds. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 4_294_967_296;

/** `text[]` from strings; `null` and `undefined` are NULL. */
export function textArray(values: readonly (string | null | undefined)[]): Buffer {
  let bytes = 0;
  const sizes = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const size = v == null ? -1 : Buffer.byteLength(v, 'utf8');
    sizes[i] = size;
    bytes += 4 + Math.max(size, 0);
  }
  const out = header(values.length, bytes, TEXT_OID, sizes.includes(-1));
  let at = headerBytes(values.length);
  for (let i = 0; i < values.length; i++) {
    out.writeInt32BE(sizes[i]!, at);
    at += 4;
    if (sizes[i]! > 0) at += out.write(values[i]!, at, 'utf8');
  }
  return out;
}

/**
 * `text[]` of JSON texts, cast to `jsonb` per row in the SQL (`r::jsonb`); `undefined` is NULL. Not
 * `jsonb[]`: unnesting a `jsonb[]` parameter costs the server about six times the casts (10,000
 * elements: 115 against 17 ms of CPU, PostgreSQL 18), in text or binary form alike.
 */
export function jsonTexts(values: readonly unknown[]): Buffer {
  return textArray(values.map((v) => (v === undefined ? null : JSON.stringify(v))));
}

/** `timestamptz[]` from instants, exact to the millisecond; `null` is NULL. */
export function timestampArray(values: readonly (Date | null)[]): Buffer {
  const nulls = countNulls(values);
  const out = header(
    values.length,
    values.length * 4 + (values.length - nulls) * 8,
    TIMESTAMPTZ_OID,
    nulls > 0,
  );
  let at = headerBytes(values.length);
  for (const v of values) {
    if (v === null) {
      out.writeInt32BE(-1, at);
      at += 4;
      continue;
    }
    out.writeInt32BE(8, at);
    at = writeInt64(out, (v.getTime() - PG_EPOCH_MS) * 1000, at + 4);
  }
  return out;
}

/** `int8[]` from whole numbers within ±2^53. */
export function int8Array(values: readonly number[]): Buffer {
  const out = header(values.length, values.length * 12, INT8_OID, false);
  let at = headerBytes(values.length);
  for (const v of values) {
    out.writeInt32BE(8, at);
    at = writeInt64(out, v, at + 4);
  }
  return out;
}

function countNulls(values: readonly unknown[]): number {
  let n = 0;
  for (const v of values) if (v === null) n++;
  return n;
}

/** An empty array has no dimension at all, as `array_send` writes it. */
function headerBytes(length: number): number {
  return length === 0 ? 12 : 20;
}

function header(length: number, body: number, oid: number, nulls: boolean): Buffer {
  const out = Buffer.allocUnsafe(headerBytes(length) + body);
  out.writeInt32BE(length === 0 ? 0 : 1, 0);
  out.writeInt32BE(nulls ? 1 : 0, 4);
  out.writeUInt32BE(oid, 8);
  if (length > 0) {
    out.writeInt32BE(length, 12);
    out.writeInt32BE(1, 16);
  }
  return out;
}

/** A whole number within ±2^53 as a big-endian int64, in two halves (no BigInt per element). */
function writeInt64(out: Buffer, value: number, at: number): number {
  const high = Math.floor(value / TWO_32);
  out.writeInt32BE(high, at);
  out.writeUInt32BE(value - high * TWO_32, at + 4);
  return at + 8;
}
