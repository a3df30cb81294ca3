import type { PollWrite } from '../store/index.ts';
import type { Runtime } from './runtime.ts';
import { Spool } from './spool.ts';

/**
 * Opens the spool and writes what a tracker killed while the store was away left in it, before
 * anything is recovered, so recovery sees every reading that tracker decided.
 */
export async function replay(rt: Runtime): Promise<void> {
  const path = rt.options.spool?.path;
  if (!path) return;
  if (!rt.spool) {
    const spool = await Spool.open(path, rt.logger);
    rt.spool = spool;
    await spool.dropWhere(await unknownRuns(rt, spool));
    rt.writes.useSpool(spool);
  }
  const failure = await rt.writes.flush();
  if (failure) throw failure;
}

export async function closeSpool(rt: Runtime): Promise<void> {
  await rt.spool?.close().catch((e) => rt.fail(e, 'spool', false));
  rt.spool = null;
}

/**
 * Which held writes name a run the store does not know (its database was replaced meanwhile): they
 * could never land, and would hold up every later write. Only asked when there is something to replay.
 */
async function unknownRuns(rt: Runtime, spool: Spool): Promise<(write: PollWrite) => boolean> {
  if (spool.pending.length === 0) return () => false;
  const last = Math.max(...spool.pending.map((p) => p.write.at.getTime()));
  const runs = await rt.options.store.runs({ from: new Date(0), to: new Date(last + 1) });
  const known = new Set(runs.map((r) => r.id));
  return (write) => {
    if (known.has(write.runId)) return false;
    rt.logger.warn(
      { spool: spool.file, runId: write.runId, at: write.at },
      'spool: dropping a write for a run the store does not know',
    );
    return true;
  };
}
