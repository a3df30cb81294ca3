import { type Logger, StoreError } from '@presence-tracker/core';
import { type RetryOptions, retryPolicy, type Sleep } from '@presence-tracker/core/resilience';
import type pg from 'pg';

export const STORE_NAME = 'postgres';

/**
 * How the store tries a call again while the server is away: core's `RetryOptions`, with the seam its
 * waits go through.
 */
export interface StoreRetry extends RetryOptions {
  sleep: Sleep;
}

/**
 * 10 tries in all, backing off from 250 ms, doubling up to 5 s, each wait between half and all of
 * that: the store keeps trying for 14 to 28 s (27.75 s before jitter), which outlasts a server
 * restart even on a busy machine. Longer outages fail the call; the tracker keeps its writes and
 * tries them first at the next poll.
 */
export const DEFAULT_RETRY: RetryOptions = { attempts: 10, baseDelay: 250, maxDelay: 5_000 };

/** Node's socket errors that mean the server is not (or no longer) there. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs after which the same work can simply be tried again: connection exceptions (class 08),
 * the server shutting down or starting up (57P01-57P03), and the transaction conflicts that Postgres
 * itself says to retry (40001, 40P01).
 */
const RETRYABLE_STATES = new Set(['57P01', '57P02', '57P03', '40001', '40P01', '53300']);

/** Whether `error` means the connection went away (or could not be made) rather than the work was wrong. */
export function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || StoreError.isInstance(error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (SOCKET_CODES.has(code) || RETRYABLE_STATES.has(code) || code.startsWith('08')) return true;
  }
  const message = (error as { message?: unknown }).message;
  // node-postgres raises these without a code when the socket closes under a query.
  return (
    typeof message === 'string' &&
    /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect/i.test(
      message,
    )
  );
}

/**
 * The SQLSTATE of an error the server sent. node-postgres gives the server's errors a `severity`;
 * Node's own (`ENOTFOUND`, `EPIPE`) have a `code` too, which is no database state.
 */
function sqlStateOf(e: Partial<pg.DatabaseError>): string | undefined {
  return typeof e.severity === 'string' && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)
    ? e.code
    : undefined;
}

/**
 * Whether `error` is another writer having added a person-day's digest between this write's look
 * for the day and its plain insert of it (see `appendRollups`): the write, rolled back whole, is run
 * again with every digest upserted, and then appends to that digest (see `writePoll`).
 */
export function isDigestRace(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as Partial<pg.DatabaseError>;
  return e.code === '23505' && e.constraint === 'rollups_pkey';
}

/** Wraps what node-postgres threw in a `StoreError` that says what failed, never with credentials. */
export function toStoreError(error: unknown, what: string): StoreError {
  if (StoreError.isInstance(error)) return error;
  const e = error as Partial<pg.DatabaseError> & { message?: string };
  const parts = [`${what} failed: ${e.message ?? String(error)}`];
  if (e.detail) parts.push(e.detail);
  if (e.constraint) parts.push(`constraint ${e.constraint}`);
  if (typeof e.code === 'string') parts.push(`code ${e.code}`);
  const sqlState = sqlStateOf(e);
  return new StoreError(STORE_NAME, parts.join('; '), {
    cause: error,
    details: { operation: what, ...(sqlState !== undefined && { sqlState }) },
    // An overlap or a second open record: the write contradicts what is stored, and a retry cannot help.
    ...(e.code === '23P01' || e.code === '23505' ? { code: 'STORE_CONFLICT' as const } : {}),
  });
}

/**
 * Runs `work` and, while it fails because the server is away, runs it again after a growing pause
 * (core's `retryPolicy`), `retry.attempts` times at most, or until `stopped()`. Anything else fails at
 * once.
 */
export async function withRetry<T>(
  what: string,
  retry: StoreRetry,
  logger: Logger,
  work: () => Promise<T>,
  stopped: () => boolean,
): Promise<T> {
  let attempts = 0;
  const policy = retryPolicy<T>({
    ...retry,
    retryOn: (outcome) => 'error' in outcome && isTransient(outcome.error) && !stopped(),
    onRetry: ({ attempt, waitMs, outcome }) => {
      const error = 'error' in outcome ? (outcome.error as Error).message : undefined;
      logger.warn(
        { store: STORE_NAME, operation: what, attempt: attempt - 1, retryInMs: waitMs, error },
        'database unreachable, retrying',
      );
    },
  });
  try {
    return await policy.execute(({ attempt }) => {
      attempts = attempt;
      return work();
    });
  } catch (error) {
    if (!isTransient(error)) throw toStoreError(error, what);
    const reason = (error as { message?: string }).message ?? String(error);
    throw new StoreError(
      STORE_NAME,
      `${what} failed: the database could not be reached after ${attempts} attempt${attempts > 1 ? 's' : ''} (${reason})`,
      { cause: error, details: { operation: what, attempts } },
    );
  }
}

/**
 * Runs `work` in one transaction on one pooled connection. A connection that broke is thrown away
 * rather than handed back to the pool.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  // pg-pool stops listening for a client's errors while it is checked out. A connection the server
  // ends meanwhile (a restart, an administrator's kill) is reported as an `error` event on the
  // client, which would crash the process without a listener; the statement that runs next fails
  // as usual, and the client goes back to the pool as broken.
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost ??= error;
  };
  client.on('error', onError);
  let broken: Error | undefined;
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    if (lost || isTransient(error)) broken = lost ?? (error as Error);
    else await client.query('rollback').catch((e: Error) => (broken = e));
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(lost ?? broken);
  }
}
