/**
 * First sync of a LOG_BASED stream: the WAL position is captured BEFORE a REPEATABLE READ
 * snapshot of the table, the rows are copied from that snapshot, and the position becomes the
 * stream's bookmark. A transaction that committed after the capture may be in the snapshot and
 * in the WAL stream too (at-least-once at the seam); none is in neither:
 *
 * - the capture is pg_current_wal_insert_lsn(), which never falls inside a WAL record, so a
 *   commit record is wholly before it (skipped when streaming) or wholly after (streamed);
 * - a transaction whose commit record is before the capture but which had not yet left the
 *   server's list of running transactions would be missing from the snapshot. So the snapshot
 *   is retried until none of the transactions running at the capture is still running in it
 *   (only long-running ones remain after a short while; their commits come later, in the WAL).
 *
 * A snapshot taken again — an interrupted one, or one whose WAL the slot no longer holds — starts
 * over in a new table version: rows of the earlier copy deleted since were deleted before this
 * snapshot's position, so no delete of theirs is ever streamed, and only the closing
 * ACTIVATE_VERSION of a newer version makes a target drop them.
 *
 * A large table is read in slices on one shared snapshot (lib/sync/slices/sliced-snapshot.ts).
 */
import type { StreamPlan } from '../../catalog/plan';
import type { RunContext } from '../../context';
import type { TapSql } from '../../db/connect';
import type { ColumnInfo, ColumnType } from '../../pg/types';
import { recordFormatFor, type ChangeColumns } from '../../messages/record-format';
import { activateVersionMessage } from '../../messages/serialize';
import type { Bookmark } from '../../state/types';
import { copyToRecords } from '../copy-reader';
import { quoteIdentifier, snapshotRows } from '../queries';
import { copySnapshotInSlices, snapshotSlices } from '../slices/sliced-snapshot';
import type { StateEmitter } from '../state-emitter';
import { checkpointAfterFailure, logWarnings, readCopy } from '../stream-io';
import { formatLsn, lsnToNumber, parseLsn } from './lsn';

/** How long the snapshot waits for transactions that were committing at the capture. */
const SETTLE_MS = 2000;

const BIGINT: ColumnType = { kind: 'bigint', isArray: false, sqlType: 'bigint', baseTypeName: 'int8', delimiter: ',' };
const TEXT: ColumnType = { kind: 'string', isArray: false, sqlType: 'text', baseTypeName: 'text', delimiter: ',' };

/** A column the snapshot query adds after the table's columns: its name, type and SQL text. */
interface ChangeField {
  column: ColumnInfo;
  sql: string;
}

function changeField(name: string, type: ColumnType, sql: string): ChangeField {
  return { column: { name, position: 0, type, notNull: false, supported: true }, sql };
}

/**
 * The change columns of snapshot rows: the snapshot's LSN; with `updatedAt`, also the snapshot's
 * time there and a null `deletedAt`. Only values made here go into the statement text.
 */
function changeFields(names: Readonly<ChangeColumns>, lsn: bigint, at: Date): ChangeField[] {
  const fields = [changeField(names.lsn, BIGINT, String(lsnToNumber(lsn)))];
  if (names.updatedAt !== undefined) {
    fields.push(changeField(names.deletedAt, TEXT, 'NULL::text'), changeField(names.updatedAt, TEXT, `'${at.toISOString().replace('Z', '000+00:00')}'::text`));
  }
  return fields;
}

class SnapshotNotSettled extends Error {}

async function capturePosition(ctx: RunContext): Promise<{ lsn: bigint; running: Set<string> }> {
  const [row] = await ctx.sql`SELECT pg_current_wal_insert_lsn()::text AS lsn`;
  const running = await ctx.sql`SELECT txid_snapshot_xip(txid_current_snapshot())::text AS xid`;
  return { lsn: parseLsn(String(row.lsn)), running: new Set(running.map((r) => String(r.xid))) };
}

export async function snapshotLogicalStream(ctx: RunContext, plan: StreamPlan, state: StateEmitter, start: Bookmark): Promise<void> {
  const id = plan.tapStreamId;
  const version = start.version === undefined ? ctx.now().getTime() : Math.max(ctx.now().getTime(), start.version + 1);
  const checkpoint = () => {
    state.setBookmark(id, { last_replication_method: 'LOG_BASED', version });
    return state.emit();
  };
  await checkpoint();
  if (start.version === undefined) await ctx.writer.write(activateVersionMessage(plan.stream, version));

  const capture = await capturePosition(ctx);
  ctx.log.info(`${id}: LOG_BASED snapshot at WAL position ${formatLsn(capture.lsn)}`, { version });
  const extra = changeFields(recordFormatFor(ctx.writer, plan.stream).changeColumns, capture.lsn, ctx.now());
  const withLsn: StreamPlan = { ...plan, columns: [...plan.columns, ...extra.map((f) => f.column)] };
  const startedAt = Date.now();
  let records = 0;
  const sliced = await snapshotSlices(ctx, plan);
  if (sliced.slices > 1) ctx.log.info(`${id}: LOG_BASED snapshot in ${sliced.slices} slices of ${sliced.pages} heap pages`);
  /** Gives the snapshot up while a transaction running at the capture still runs in it (for a while). */
  const settled = async (tx: TapSql) => {
    const inSnapshot = await tx`SELECT txid_snapshot_xip(txid_current_snapshot())::text AS xid`;
    const stillRunning = inSnapshot.filter((r) => capture.running.has(String(r.xid)));
    if (stillRunning.length > 0 && Date.now() - startedAt < SETTLE_MS) throw new SnapshotNotSettled();
  };
  for (;;) {
    try {
      const result =
        sliced.slices > 1
          ? await copySnapshotInSlices(ctx, withLsn, plan, sliced, {
              select: [...plan.columns.map((c) => quoteIdentifier(c.name)), ...extra.map((f) => f.sql)].join(', '),
              version,
              checkpoint,
              ready: settled,
            })
          : await ctx.sql.begin('ISOLATION LEVEL REPEATABLE READ READ ONLY', async (tx) => {
              await settled(tx as unknown as TapSql);
              return copyToRecords(ctx, withLsn, await readCopy(snapshotRows(tx as unknown as TapSql, plan, extra.map((f) => f.sql))), {
                version,
                extraFields: 0,
                checkpoint,
              });
            });
      records = result.records;
      logWarnings(ctx, plan, result.warnings);
      break;
    } catch (error) {
      if (error instanceof SnapshotNotSettled) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      await checkpointAfterFailure(checkpoint, error);
      throw error;
    }
  }
  state.setBookmark(id, { last_replication_method: 'LOG_BASED', version, lsn: lsnToNumber(capture.lsn) });
  await ctx.writer.write(activateVersionMessage(plan.stream, version));
  await state.emit();
  ctx.log.info(`${id}: LOG_BASED snapshot done`, { stream: id, records, version, lsn: formatLsn(capture.lsn) });
}
