/**
 * FULL_TABLE. Tables and materialized views are read in heap order with a TID range scan
 * (`WHERE ctid >= '(page,0)'`, PostgreSQL >= 14): sequential-scan speed, and the STATE can hold
 * the first page not yet fully emitted (`ctid_page`), so an interrupted sync resumes there with
 * the same table version instead of starting over (the rows of that one page come again:
 * at-least-once), and also sends the rows that moved to the pages already sent
 * (lib/sync/full-table-resume.ts). A rewrite in between (VACUUM FULL, CLUSTER, REFRESH: a new relfilenode)
 * restarts it from page 0. Views, partitioned, foreign and inheritance-parent tables, and older
 * servers, are read with a plain scan and restart from the beginning.
 *
 * ACTIVATE_VERSION as singer-io: a stream's first sync (no version in the state) sends it before
 * and after the rows, later syncs only after them.
 *
 * A large table is read in slices over several connections on one snapshot
 * (lib/sync/slices/sliced-full-table.ts) when `max_parallel_slices` > 1.
 *
 * A transient failure mid-read is retried within the run (./retry.ts) from the page of the last
 * row written, same version (that page's rows come again); a plain scan starts over.
 */
import type { StreamPlan } from '../catalog/plan';
import type { RunContext } from '../context';
import { activateVersionMessage } from '../messages/serialize';
import type { Bookmark } from '../state/types';
import { copyToRecords } from './copy-reader';
import { resumePoint, resumeRows } from './full-table-resume';
import { fullTablePlain } from './queries';
import { syncSlicedFullTable } from './slices/sliced-full-table';
import { addCopyResult, emptyCopyResult, withRetries } from './retry';
import type { StateEmitter } from './state-emitter';
import { checkpointAfterFailure, logWarnings, readCopy } from './stream-io';

interface HeapInfo {
  relfilenode: number;
  resumable: boolean;
  /** The heap's pages as of the last VACUUM / ANALYZE (relpages), for progress; no lock taken. */
  pages: number;
  /** The heap's pages now (pg_relation_size, which waits for a lock: 0 unless slices may be used). */
  size: number;
}

async function heapInfo(ctx: RunContext, plan: StreamPlan): Promise<HeapInfo> {
  const [row] = await ctx.sql`
    SELECT pg_relation_filenode(c.oid)::int8::text AS filenode, c.relhassubclass AS has_children,
           current_setting('server_version_num')::int AS version_num,
           c.relpages::int8::text AS pages,
           CASE WHEN ${ctx.config.max_parallel_slices > 1}::bool
                THEN (pg_relation_size(c.oid) / current_setting('block_size')::int8)::text END AS size
    FROM pg_class c WHERE c.oid = ${plan.relation.oid}`;
  const filenode = row ? Number(row.filenode ?? 0) : 0;
  const plainHeap = plan.relation.kind === 'r' || plan.relation.kind === 'm';
  const resumable = Boolean(row) && plainHeap && row.has_children === false && Number(row.version_num) >= 140000 && filenode > 0;
  return { relfilenode: filenode, resumable, pages: row ? Number(row.pages ?? 0) : 0, size: row ? Number(row.size ?? 0) : 0 };
}

function ctidPage(ctid: string | null): number {
  // ctid text is "(page,offset)".
  return ctid === null ? 0 : Number(ctid.slice(1, ctid.indexOf(',')));
}

export async function syncFullTable(ctx: RunContext, plan: StreamPlan, state: StateEmitter, start: Bookmark): Promise<void> {
  const id = plan.tapStreamId;
  let heap = await withRetries(ctx, id, () => heapInfo(ctx, plan));
  if (heap.resumable && (await syncSlicedFullTable(ctx, plan, state, start, { relfilenode: heap.relfilenode, pages: heap.size }))) return;
  const interrupted = heap.resumable && start.version !== undefined && start.ctid_page !== undefined;
  const sameHeap = interrupted && start.relfilenode === heap.relfilenode;
  if (interrupted && !sameHeap) {
    ctx.log.info(`${id}: the table was rewritten since the interrupted sync (VACUUM FULL or CLUSTER); reading it again from the start`);
  }
  const version = interrupted ? (start.version as number) : ctx.now().getTime();
  const point = heap.resumable ? await resumePoint(ctx, plan, sameHeap ? start : undefined) : undefined;
  let page = point?.page ?? 0;
  if (heap.resumable && heap.pages > 0) ctx.metrics?.estimate(id, { unit: 'pages', total: heap.pages });
  const resumeFields = (): Bookmark => (point ? { ctid_page: page, relfilenode: heap.relfilenode, snapshot_xmin: point.horizon } : {});
  const checkpoint = () => {
    state.setBookmark(id, { last_replication_method: 'FULL_TABLE', version, ...resumeFields() });
    return state.emit();
  };
  await checkpoint();
  if (start.version === undefined) await ctx.writer.write(activateVersionMessage(plan.stream, version));
  if (page > 0) ctx.log.info(`${id}: resuming FULL_TABLE at heap page ${page}, version ${version}`);

  const ctidIndex = plan.columns.length;
  const result = emptyCopyResult();
  try {
    await withRetries(ctx, id, async (retry) => {
      if (retry > 0) {
        const now = await heapInfo(ctx, plan);
        if (now.relfilenode !== heap.relfilenode || !heap.resumable) {
          ctx.log.info(`${id}: ${heap.resumable ? 'the table was rewritten; ' : ''}reading it again from the start, version ${version}`);
          page = 0;
        }
        heap = { ...now, resumable: heap.resumable && now.resumable };
      }
      // A retry continues like a resume, with the version's horizon: rows moved below the page come too.
      const query = point && heap.resumable ? resumeRows(ctx.sql, plan, { ...point, page }) : fullTablePlain(ctx.sql, plan);
      const part = await copyToRecords(ctx, plan, await readCopy(query), {
        version,
        extraFields: heap.resumable ? 1 : 0,
        // The page of the last row written, read before each STATE (not per row).
        position: heap.resumable
          ? {
              field: ctidIndex,
              onValue: (ctid) => {
                // Rows that moved to pages already sent come first: they do not move the position.
                page = Math.max(page, ctidPage(ctid));
                ctx.metrics?.advance(id, page);
              },
            }
          : undefined,
        checkpoint,
      });
      addCopyResult(result, part);
    });
  } catch (error) {
    await checkpointAfterFailure(checkpoint, error);
    throw error;
  }
  logWarnings(ctx, plan, result.warnings);
  state.setBookmark(id, { last_replication_method: 'FULL_TABLE', version });
  await ctx.writer.write(activateVersionMessage(plan.stream, version));
  await state.emit();
  ctx.log.info(`${id}: FULL_TABLE done`, { stream: id, records: result.records, version });
}
