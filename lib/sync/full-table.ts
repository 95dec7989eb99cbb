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
 * A large table (`slice_min_pages`) is read in chunks of pages over `max_parallel_slices`
 * connections on one snapshot (lib/sync/slices/sliced-full-table.ts), one or more.
 *
 * A transient failure mid-read is retried within the run (./retry.ts) from the page of the last
 * row written, same version (that page's rows come again); a plain scan starts over.
 */
import type { StreamPlan } from '../catalog/plan';
import type { RunContext } from '../context';
import { activateVersionMessage } from '../messages/serialize';
import type { Bookmark } from '../state/types';
import { copyToRecords } from './copy-reader';
import { ctidPage, resumePoint, resumeRows } from './full-table-resume';
import { fullTablePlain, isBounded } from './queries';
import { syncSlicedFullTable } from './slices/sliced-full-table';
import { addCopyResult, emptyCopyResult, withRetries } from './retry';
import { heapInfoOf, heapRows, type HeapFacts, type HeapInfo } from './heap-facts';
import type { StateEmitter } from './state-emitter';
import { checkpointAfterFailure, logWarnings, readCopy } from './stream-io';

async function heapInfo(ctx: RunContext, plan: StreamPlan): Promise<HeapInfo> {
  const [row] = await heapRows(ctx.sql, [plan.relation.oid], true);
  return heapInfoOf(row);
}

/**
 * The heap's size now in pages, to slice it by. A run's facts leave it out (it locks each
 * table), so it is asked here of a heap that relpages says may be large. A heap never vacuumed
 * or analyzed (relpages 0) is not asked: thousands of small new tables would each cost a round
 * trip, and autovacuum analyzes a large one soon after it is loaded.
 */
async function slicingSize(ctx: RunContext, plan: StreamPlan, heap: HeapInfo): Promise<number> {
  if (heap.size !== undefined) return heap.size;
  if (heap.pages < ctx.config.slice_min_pages / 2) return 0;
  return (await heapInfo(ctx, plan)).size ?? 0;
}

/** `facts`: the run's facts of every heap; a stream that resumes a position asks for its own. */
export async function syncFullTable(ctx: RunContext, plan: StreamPlan, state: StateEmitter, start: Bookmark, facts?: HeapFacts): Promise<void> {
  const id = plan.tapStreamId;
  const known = start.ctid_page === undefined ? facts?.heaps.get(plan.relation.oid) : undefined;
  let heap = known ?? (await withRetries(ctx, id, () => heapInfo(ctx, plan)));
  // A filtered or limited stream (stream_options, max_record_count) reads with the plain query.
  if (isBounded(plan)) heap = { ...heap, resumable: false };
  if (heap.resumable) {
    const pages = await withRetries(ctx, id, () => slicingSize(ctx, plan, heap));
    if (await syncSlicedFullTable(ctx, plan, state, start, { relfilenode: heap.relfilenode, pages })) return;
  }
  const interrupted = heap.resumable && start.version !== undefined && start.ctid_page !== undefined;
  const sameHeap = interrupted && start.relfilenode === heap.relfilenode;
  if (interrupted && !sameHeap) {
    ctx.log.info(`${id}: the table was rewritten since the interrupted sync (VACUUM FULL or CLUSTER); reading it again from the start`);
  }
  const version = interrupted ? (start.version as number) : ctx.now().getTime();
  const point = heap.resumable ? await resumePoint(ctx, plan, sameHeap ? start : undefined, known && facts?.horizon) : undefined;
  let page = point?.page ?? 0;
  let horizon = point?.horizon ?? 0;
  if (heap.resumable && heap.pages > 0) ctx.metrics?.estimate(id, { unit: 'pages', total: heap.pages });
  const resumeFields = (): Bookmark => (point ? { ctid_page: page, relfilenode: heap.relfilenode, snapshot_xmin: horizon } : {});
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
      const from = page;
      const query = point && heap.resumable ? resumeRows(ctx.sql, plan, { ...point, page, horizon }) : fullTablePlain(ctx.sql, plan);
      const part = await copyToRecords(ctx, plan, await readCopy(query), {
        version,
        extraFields: heap.resumable ? 1 : 0,
        // The page of the last row written, read before each STATE (not per row).
        position: heap.resumable
          ? {
              field: ctidIndex,
              onValue: (ctid) => {
                // Rows that moved to pages already sent come first: they do not move the position.
                const at = ctidPage(ctid);
                // Past them, all are sent: the horizon moves up to this run's (full-table-resume.ts).
                if (point && at >= from) horizon = point.next;
                page = Math.max(page, at);
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
