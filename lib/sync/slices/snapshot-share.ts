/**
 * One table version over one or more connections: the first opens a REPEATABLE READ, READ ONLY
 * transaction and, when there are others, exports its snapshot (pg_export_snapshot), which they
 * open theirs on (SET TRANSACTION SNAPSHOT), so every statement of every connection sees exactly
 * the same rows. Each connection is a pool of one of its own (postgres.js runs a transaction's
 * statements one by one on a single-connection pool), and stays in its transaction until
 * `close` (the exported snapshot lives as long as the first transaction).
 *
 * postgres.js opens a new connection for the next statement after one was lost; that
 * connection would read outside the shared snapshot. So once any of them closes unasked,
 * `ensureOpen` throws (a transient failure: the caller retries on a new snapshot) instead of
 * letting a statement go out.
 */
import postgres from 'postgres';
import type { RunContext } from '../../context';
import { connectionOptions, type TapSql } from '../../db/connect';
import { quoteLiteral } from '../queries';

/** A connection of a shared snapshot closed: the snapshot is gone (SQLSTATE connection_failure). */
export class SnapshotConnectionLost extends Error {
  readonly code = '08006';

  constructor() {
    super('a connection of the shared snapshot was lost');
    this.name = 'SnapshotConnectionLost';
  }
}

export interface SharedSnapshot {
  /** One connection per slice, all in a transaction on the one snapshot. */
  readonly connections: readonly TapSql[];
  /** Throws SnapshotConnectionLost when a connection closed: call before each statement. */
  ensureOpen(): void;
  /** Ends the transactions and closes the connections. */
  close(): Promise<void>;
  /** Closes the connections at once (a statement still running on them fails). */
  abort(): Promise<void>;
}

const BEGIN = 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY';

/**
 * `ready` runs on the first connection once its snapshot is exported, before the others connect;
 * when it throws, every connection closes and the error is thrown.
 */
export async function openSharedSnapshot(ctx: RunContext, count: number, ready?: (first: TapSql) => Promise<void>): Promise<SharedSnapshot> {
  const connections: TapSql[] = [];
  let closed = false;
  let lost = false;
  const abort = async () => {
    if (closed) return;
    closed = true;
    await Promise.all(connections.map((connection) => connection.end({ timeout: 0 })));
  };
  const open = () => {
    const options = connectionOptions(ctx.sqlConfig ?? ctx.config, { max: 1, log: ctx.log, tunnel: ctx.tunnel });
    const onclose = () => {
      if (!closed) lost = true;
    };
    const connection = postgres({ ...options, onclose }) as unknown as TapSql;
    connections.push(connection);
    return connection;
  };
  try {
    const first = open();
    await first.unsafe(BEGIN);
    // One connection shares nothing: no snapshot to export (a pooler may not allow it).
    const [row] = count > 1 ? await first.unsafe('SELECT pg_export_snapshot() AS id') : [{ id: '' }];
    const snapshot = quoteLiteral(String(row.id));
    await ready?.(first);
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
    ensureOpen() {
      if (lost) throw new SnapshotConnectionLost();
    },
    abort,
    // The transactions only read: closing the connections ends them (no COMMIT, which on a
    // connection lost after its last statement would open a new one).
    close: abort,
  };
}
