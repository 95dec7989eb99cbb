/**
 * Cuts a running tap's COPY the way an administrator or a failover does: pg_terminate_backend on
 * the backend that runs it, found by the tap's own application_name (test files run in parallel).
 */
import type { ChildProcess } from 'node:child_process';
import type postgres from 'postgres';

export interface Terminator {
  /** The onSpawn hook for runTap. */
  hook: (child: ChildProcess) => void;
  /** How many backends were terminated so far. */
  count: () => number;
}

/**
 * Each time the tap has written `everyBytes` more bytes to stdout (at most `times` times), stops
 * reading its stdout — the tap then blocks with its COPY still running — terminates that COPY's
 * backend, runs `alsoBefore` first when given, and reads on.
 */
export function terminateCopies(
  sql: postgres.Sql,
  appName: string,
  options: { everyBytes: number; times?: number; alsoBefore?: () => Promise<unknown> },
): Terminator {
  const times = options.times ?? Number.POSITIVE_INFINITY;
  let terminated = 0;
  const hook = (child: ChildProcess): void => {
    let seen = 0;
    let next = options.everyBytes;
    let busy = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (busy || terminated >= times || seen < next) return;
      busy = true;
      child.stdout?.pause();
      Promise.resolve(options.alsoBefore?.())
        .then(() => sql<Array<{ n: number }>>`
          SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
          WHERE application_name = ${appName} AND state = 'active' AND query LIKE 'COPY%'`)
        .then(([row]) => {
          terminated += row.n;
        })
        .catch(() => undefined)
        .finally(() => {
          next = seen + options.everyBytes;
          busy = false;
          child.stdout?.resume();
        });
    });
  };
  return { hook, count: () => terminated };
}
