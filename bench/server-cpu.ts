import { readdirSync, readFileSync } from 'node:fs';
import type pg from 'pg';

/**
 * The fields of /proc/<pid>/stat after the command (which may hold spaces and parentheses): state is
 * [0], ppid [1], utime [11], stime [12], the reaped children's cutime [13] and cstime [14];
 * `undefined` once the process is gone.
 */
export function readStat(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime + stime (and, with `reaped`, the children's it has waited for) of a process, in clock ticks. */
function ticks(fields: string[], reaped: boolean): number {
  const own = Number(fields[11]) + Number(fields[12]);
  return reaped ? own + Number(fields[13]) + Number(fields[14]) : own;
}

/**
 * A reader of the CPU time (ms) the PostgreSQL server behind `pool` has used so far: its postmaster
 * and every process under it, the ended ones included (the postmaster reaps them). Only for a server
 * on this machine whose processes `/proc` shows (the embedded test server); `null` otherwise. Clock
 * ticks are taken as 10 ms, Linux's usual USER_HZ.
 */
export async function serverCpu(pool: pg.Pool): Promise<(() => number) | null> {
  try {
    const { rows } = await pool.query<{ pid: number }>('select pg_backend_pid() as pid');
    const postmaster = Number(readStat(rows[0]!.pid)![1]);
    // Read once here, so that a server whose processes /proc does not show answers null now.
    const own = () => ticks(readStat(postmaster)!, true);
    own();
    return () => {
      let total = own();
      for (const entry of readdirSync('/proc')) {
        if (!/^[0-9]+$/.test(entry)) continue;
        // A process that ended meanwhile is gone; the postmaster's reaped time has it once waited for.
        const fields = readStat(Number(entry));
        if (fields && Number(fields[1]) === postmaster) total += ticks(fields, false);
      }
      return total * 10;
    };
  } catch {
    return null;
  }
}
