import { readdirSync, readFileSync } from 'node:fs';
import type pg from 'pg';

/** utime + stime (and, with `reaped`, the children's it has waited for) of a process, in clock ticks. */
function ticks(pid: number, reaped: boolean): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
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
    const stat = readFileSync(`/proc/${rows[0]!.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const postmaster = Number(stat[1]);
    ticks(postmaster, true);
    return () => {
      let total = ticks(postmaster, true);
      for (const entry of readdirSync('/proc')) {
        if (!/^[0-9]+$/.test(entry)) continue;
        try {
          const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
          if (Number(fields[1]) === postmaster) total += ticks(Number(entry), false);
        } catch {
          // The process ended meanwhile; the postmaster's reaped time has it once it is waited for.
        }
      }
      return total * 10;
    };
  } catch {
    return null;
  }
}
