/**
 * A report in its own process, run as another user in the read-only tests: opens the file with
 * `readOnly`, reads it, tries a write, and prints one JSON line with what happened.
 * `node --conditions=@presence-tracker/source read-only-reader.ts <path>`
 */
import { StoreError } from '@presence-tracker/core';
import { sqliteStore } from '../index.ts';

const store = sqliteStore({ path: process.argv[2]!, readOnly: true });
const everything = { from: new Date(0), to: new Date(Date.UTC(2100, 0, 1)) };
const result: Record<string, unknown> = {};
try {
  result.intervals = (await store.intervals(everything)).map((i) => i.status);
  result.runs = (await store.runs(everything)).length;
  result.write = await store.startRun(new Date()).then(
    () => 'written',
    (error: unknown) => (StoreError.isInstance(error) ? error.code : String(error)),
  );
} catch (error) {
  result.error = String(error);
}
await store.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
