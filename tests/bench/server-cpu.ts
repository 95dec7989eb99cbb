/**
 * The server's CPU for one benchmarked run: a backend's CPU goes to its postmaster's "children"
 * counters (cutime + cstime in /proc/PID/stat) when the backend exits, so the growth of those
 * counters across a run is the CPU of every backend and parallel worker that ended meanwhile —
 * the run's own, plus any other client's that ended then (on a shared server, treat it as an
 * upper bound). Needs the server on this machine with /proc readable; otherwise null.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connectTo, type Server } from './dataset';

/** Fields of /proc/PID/stat after the command name, from field 3 (state) on. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** The postmaster's PID (the parent of a backend), or null when the server is not local. */
export async function postmasterPid(server: Server, database: string): Promise<number | null> {
  const sql = connectTo(server, database);
  try {
    const [row] = await sql`SELECT pg_backend_pid() AS pid`;
    const fields = statFields(Number(row.pid));
    return fields ? Number(fields[1]) : null;
  } catch {
    return null;
  } finally {
    await sql.end();
  }
}

/** CPU seconds of the postmaster's exited children so far. */
export function childrenCpuSeconds(postmaster: number | null): number | null {
  if (postmaster === null) return null;
  const fields = statFields(postmaster);
  if (!fields) return null;
  // cutime and cstime are fields 16 and 17.
  return (Number(fields[13]) + Number(fields[14])) / clockTicks();
}
