/**
 * One table version over several connections: the first opens a REPEATABLE READ, READ ONLY
 * transaction and exports its snapshot (pg_export_snapshot), the others open theirs on that
 * snapshot (SET TRANSACTION SNAPSHOT), so every statement of every connection sees exactly the
 * same rows. Each connection is a pool of one of its own (postgres.js runs a transaction's
 * statements one by one on a single-connection pool), and stays in its transaction until
 * `close` (the exported snapshot lives as long as the first transaction).
 */
import type { RunContext } from '../../context';
import { connect, type TapSql } from '../../db/connect';
import { quoteLiteral } from '../queries';

export interface SharedSnapshot {
  /** One connection per slice, all in a transaction on the one snapshot. */
  readonly connections: readonly TapSql[];
  /** Ends the transactions and closes the connections. */
  close(): Promise<void>;
  /** Closes the connections at once (a statement still running on them fails). */
  abort(): Promise<void>;
}

const BEGIN = 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY';

export async function openSharedSnapshot(ctx: RunContext, count: number): Promise<SharedSnapshot> {
  const connections: TapSql[] = [];
  let closed = false;
  const abort = async () => {
    if (closed) return;
    closed = true;
    await Promise.all(connections.map((connection) => connection.end({ timeout: 0 })));
  };
  const open = () => {
    const connection = connect(ctx.config, { max: 1, log: ctx.log, tunnel: ctx.tunnel });
    connections.push(connection);
    return connection;
  };
  try {
    const first = open();
    await first.unsafe(BEGIN);
    const [row] = await first.unsafe('SELECT pg_export_snapshot() AS id');
    const snapshot = quoteLiteral(String(row.id));
    await Promise.all(
      Array.from({ length: count - 1 }, async () => {
        const next = open();
        await next.unsafe(BEGIN);
        await next.unsafe(`SET TRANSACTION SNAPSHOT ${snapshot}`);
      }),
    );
  } catch (error) {
    await abort();
    throw error;
  }
  return {
    connections,
    abort,
    async close() {
      if (closed) return;
      try {
        await Promise.all(connections.map((connection) => connection.unsafe('COMMIT')));
      } finally {
        await abort();
      }
    },
  };
}
