/**
 * One table version over several connections: the first opens a REPEATABLE READ, READ ONLY
 * transaction and exports its snapshot (pg_export_snapshot), the others open theirs on that
 * snapshot (SET TRANSACTION SNAPSHOT), so every statement of every connection sees exactly the
 * same rows. The connections are a pool of their own, reserved one each, and stay in their
 * transactions until `close` (the exported snapshot lives as long as the first transaction).
 */
import type { ReservedSql } from 'postgres';
import type { RunContext } from '../../context';
import { connect, type TapSql } from '../../db/connect';
import { quoteLiteral } from '../queries';

export interface SharedSnapshot {
  /** One connection per slice, all in a transaction on the one snapshot. */
  readonly connections: readonly ReservedSql[];
  /** Ends the transactions and closes the connections. */
  close(): Promise<void>;
  /** Closes the connections at once (a statement still running on them fails). */
  abort(): Promise<void>;
}

const BEGIN = 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY';

export async function openSharedSnapshot(ctx: RunContext, count: number): Promise<SharedSnapshot> {
  const pool: TapSql = connect(ctx.config, { max: count, log: ctx.log, tunnel: ctx.tunnel });
  const connections: ReservedSql[] = [];
  let closed = false;
  const abort = async () => {
    if (closed) return;
    closed = true;
    await pool.end({ timeout: 0 });
  };
  try {
    const first = await pool.reserve();
    connections.push(first);
    await first.unsafe(BEGIN);
    const [row] = await first.unsafe('SELECT pg_export_snapshot() AS id');
    const snapshot = quoteLiteral(String(row.id));
    for (let i = 1; i < count; i += 1) {
      const next = await pool.reserve();
      connections.push(next);
      await next.unsafe(BEGIN);
      await next.unsafe(`SET TRANSACTION SNAPSHOT ${snapshot}`);
    }
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
        for (const connection of connections) {
          await connection.unsafe('COMMIT');
          connection.release();
        }
      } finally {
        await abort();
      }
    },
  };
}
