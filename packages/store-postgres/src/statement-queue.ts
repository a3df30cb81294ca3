import type pg from 'pg';

/**
 * Statements for one connection, each sent as soon as the one before it is answered, without the
 * caller waiting: JavaScript builds the parameters of the next statements while the server runs the
 * ones before. A poll's write spends about as long building its arrays as the server spends on some
 * of its statements, so the two overlap instead of adding up.
 *
 * A statement's own promise can be awaited for its rows. After a failure nothing more is sent (the
 * transaction is aborted): the statements queued behind it fail with the same error, and `settle()`
 * throws it.
 */
export class StatementQueue {
  private readonly client: pg.ClientBase;
  private last: Promise<unknown> = Promise.resolve();
  private readonly sent: Promise<unknown>[] = [];

  constructor(client: pg.ClientBase) {
    this.client = client;
  }

  send<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    // One statement at a time on the connection, in the order given: node-postgres no longer queues them itself.
    const result = this.last.then(() => this.client.query<R>(sql, params));
    // Handled here, so a failure before `settle()` is not reported as unhandled; `settle()` throws it.
    result.catch(() => {});
    this.last = result;
    this.sent.push(result);
    return result;
  }

  /** Waits for every statement sent so far; throws the first that failed. */
  async settle(): Promise<void> {
    const outcomes = await Promise.allSettled(this.sent.splice(0));
    for (const o of outcomes) if (o.status === 'rejected') throw o.reason;
  }
}
