/**
 * A report-like reader in its own process: reads the file over and over while a writer writes, and
 * prints one JSON line with what it saw. Its clock starts when the first batch is there; on a busy
 * machine it reads on past its time until it has seen the writer commit at least once more.
 * `node --conditions=@presence-tracker/source reader.ts <path> <users> <milliseconds>`
 */
import { sqliteStore } from '../index.ts';

const [path, usersArg, msArg] = process.argv.slice(2);
const users = Number(usersArg);
const everything = { from: new Date(0), to: new Date(Date.UTC(2100, 0, 1)) };
const store = sqliteStore({ path: path!, busyTimeout: 10_000 });
const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

const giveUp = Date.now() + 120_000;
while ((await store.samples(everything).catch(() => [])).length === 0 && Date.now() < giveUp) await pause();
const until = Date.now() + Number(msArg);

let reads = 0;
let firstBatch = -1;
let lastBatch = -1;
const problems: string[] = [];
while (Date.now() < until || (lastBatch <= firstBatch && Date.now() < giveUp)) {
  const samples = await store.samples(everything);
  const intervals = await store.intervals(everything);
  reads++;
  // Each query sees whole batches only: every user's sample, and one open interval per user.
  if (samples.length % users !== 0)
    problems.push(`saw ${samples.length} samples, not a multiple of ${users}`);
  const open = intervals.filter((i) => i.endedAt === null).length;
  if (intervals.length > 0 && open !== users) problems.push(`saw ${open} open intervals for ${users} users`);
  const batch = samples.length / users;
  if (batch < lastBatch) problems.push(`went back from batch ${lastBatch} to ${batch}`);
  if (intervals.length % users !== 0)
    problems.push(`saw ${intervals.length} intervals, not a multiple of ${users}`);
  if (firstBatch === -1) firstBatch = batch;
  lastBatch = batch;
  await pause();
}
await store.close();
process.stdout.write(`${JSON.stringify({ reads, firstBatch, lastBatch, problems: problems.slice(0, 5) })}\n`);
