/**
 * FULL_TABLE of a large table in chunks: its heap pages are cut into chunks (./plan.ts) that
 * `max_parallel_slices` connections (1 or more) on one shared snapshot (./snapshot-share.ts) read
 * at once, each chunk a TID range scan `COPY (SELECT … WHERE ctid >= '(a,0)' AND ctid < '(b,0)')
 * TO STDOUT`. The rows of a chunk with an end come without their ctid (its text output costs the
 * server a third more time on a narrow table): the chunk counts as sent once it is read whole.
 * Every slice writes its RECORD lines through the run's one writer, whole lines at a time, and
 * waits when the writer does, so a slow reader of stdout slows every slice and memory stays
 * bounded (per slice: its COPY batches and one output buffer).
 *
 * The STATE holds the pages whose rows are all written (lib/state/page-ranges.ts): the finished
 * chunks and, of the last chunk (no end, read with ctid), the pages before its last row's. A
 * resumed run, or a retry after a transient failure, reads the other pages in full on a new
 * snapshot, and of the pages already sent the row versions newer than the table version's
 * horizon (lib/sync/full-table-resume.ts), so no row is lost; the rows of the chunks a slice was
 * in the middle of come again.
 */
import type { PendingQuery, Row } from 'postgres';
import type { StreamPlan } from '../../catalog/plan';
import type { RunContext } from '../../context';
import { activateVersionMessage } from '../../messages/serialize';
import { rangeFields, sentRanges } from '../../state/page-ranges';
import type { Bookmark } from '../../state/types';
import { copyToRecords, type CopyReadResult } from '../copy-reader';
import { ctidPage, newerThanHorizon, resumePoint } from '../full-table-resume';
import { heapInfoOf, heapRows } from '../heap-facts';
import { quoteIdentifier, quoteQualified } from '../queries';
import { emptyCopyResult, withRetries } from '../retry';
import type { StateEmitter } from '../state-emitter';
import { checkpointAfterFailure, logWarnings, readCopy } from '../stream-io';
import { chunkRange, planChunks, sliceCount, type Chunk } from './plan';
import { PageProgress } from './progress';
import { readChunks } from './read-chunks';
import type { TapSql } from '../../db/connect';

export interface HeapSize {
  relfilenode: number;
  pages: number;
}

/** The heap's file node and its size in pages now (not relpages, which VACUUM / ANALYZE update). */
async function heapSize(ctx: RunContext, plan: StreamPlan): Promise<HeapSize> {
  const [row] = await heapRows(ctx.sql, [plan.relation.oid], true);
  const heap = heapInfoOf(row);
  return { relfilenode: heap.relfilenode, pages: heap.size ?? 0 };
}

interface SliceRun {
  version: number;
  /** Rows on pages already sent at least this new are read again (the `moved` chunks). */
  horizon: number;
  /** The `moved` chunks of this read not finished yet; at 0 the horizon moves up to `next`. */
  movedLeft: number;
  /** The horizon of a snapshot taken at this run's start (full-table-resume.ts). */
  next: number;
  progress: PageProgress;
  checkpoint: () => void | Promise<void>;
}

function chunkQuery(connection: TapSql, plan: StreamPlan, chunk: Chunk, horizon: number) {
  const columns = plan.columns.map((c) => quoteIdentifier(c.name)).join(', ');
  const table = quoteQualified(plan.relation.schema, plan.relation.name);
  const where = chunkRange(chunk);
  if (chunk.moved) return connection.unsafe(`COPY (SELECT ${columns} FROM ONLY ${table} WHERE ${where} AND ${newerThanHorizon(horizon)}) TO STDOUT`);
  if (chunk.end !== null) return connection.unsafe(`COPY (SELECT ${columns} FROM ONLY ${table} WHERE ${where}) TO STDOUT`);
  return connection.unsafe(`COPY (SELECT ${columns}, ctid FROM ONLY ${table} WHERE ${where}) TO STDOUT`);
}

async function readChunk(ctx: RunContext, plan: StreamPlan, connection: TapSql, chunk: Chunk, run: SliceRun): Promise<CopyReadResult> {
  const source = await readCopy(chunkQuery(connection, plan, chunk, run.horizon) as unknown as PendingQuery<Row[]>);
  if (chunk.moved) {
    const part = await copyToRecords(ctx, plan, source, { version: run.version, extraFields: 0, checkpoint: run.checkpoint });
    // Every row changed on the pages already sent is sent now: later STATEs carry this run's
    // horizon, so a version interrupted again and again still gets to its end.
    run.movedLeft -= 1;
    if (run.movedLeft === 0) run.horizon = run.next;
    return part;
  }
  const reading = run.progress.begin(chunk.start);
  try {
    // Only the last chunk, which has no end, tells how far it got: by the ctid of its rows.
    const part = await copyToRecords(ctx, plan, source, {
      version: run.version,
      extraFields: chunk.end === null ? 1 : 0,
      position: chunk.end === null
        ? {
            field: plan.columns.length,
            onValue: (ctid) => {
              reading.page = Math.max(reading.page, ctidPage(ctid));
            },
          }
        : undefined,
      checkpoint: run.checkpoint,
    });
    run.progress.finish(reading, chunk.end ?? reading.page + 1);
    ctx.metrics?.advance(plan.tapStreamId, run.progress.sentPages());
    return part;
  } catch (error) {
    run.progress.drop(reading);
    throw error;
  }
}

/**
 * Syncs the stream in chunks when the table is large enough (`slice_min_pages`); returns false,
 * having done nothing, otherwise. `size` is a plain heap's (a table
 * or materialized view without children, PostgreSQL >= 14) file node and pages now.
 */
export async function syncSlicedFullTable(ctx: RunContext, plan: StreamPlan, state: StateEmitter, start: Bookmark, size: HeapSize): Promise<boolean> {
  const id = plan.tapStreamId;
  let heap = size;
  const slices = sliceCount(heap.pages, ctx.config.max_parallel_slices, ctx.config.slice_min_pages);
  if (slices === 0 || heap.relfilenode === 0) return false;

  const interrupted = start.version !== undefined && start.ctid_page !== undefined;
  const sameHeap = interrupted && start.relfilenode === heap.relfilenode;
  if (interrupted && !sameHeap) {
    ctx.log.info(`${id}: the table was rewritten since the interrupted sync (VACUUM FULL or CLUSTER); reading it again from the start`);
  }
  const version = interrupted ? (start.version as number) : ctx.now().getTime();
  const point = await resumePoint(ctx, plan, sameHeap ? start : undefined);
  const run: SliceRun = {
    version,
    horizon: point.horizon,
    movedLeft: 0,
    next: point.next,
    progress: new PageProgress(point.resumed ? sentRanges(start) : []),
    checkpoint: () => {
      const sent = rangeFields(run.progress.sent());
      state.setBookmark(id, { last_replication_method: 'FULL_TABLE', version, ...sent, relfilenode: heap.relfilenode, snapshot_xmin: run.horizon });
      return state.emit();
    },
  };
  ctx.metrics?.estimate(id, { unit: 'pages', total: heap.pages });
  await run.checkpoint();
  if (start.version === undefined) await ctx.writer.write(activateVersionMessage(plan.stream, version));
  const already = run.progress.sentPages();
  const resuming = already > 0 ? `resuming with ${already} heap pages already sent, ` : '';
  ctx.log.info(`${id}: FULL_TABLE in ${slices} slice${slices === 1 ? '' : 's'} of ${heap.pages} heap pages, ${resuming}version ${version}`);

  const result = emptyCopyResult();
  try {
    await withRetries(ctx, id, async (retry) => {
      if (retry > 0) {
        const now = await heapSize(ctx, plan);
        if (now.relfilenode !== heap.relfilenode) {
          ctx.log.info(`${id}: the table was rewritten; reading it again from the start, version ${version}`);
          run.progress = new PageProgress([]);
        }
        heap = now;
      }
      const chunks = planChunks(run.progress.sent(), heap.pages, slices);
      run.movedLeft = chunks.filter((chunk) => chunk.moved).length;
      if (run.movedLeft === 0) run.horizon = run.next;
      await readChunks(ctx, slices, chunks, { read: (connection, chunk) => readChunk(ctx, plan, connection, chunk, run) }, result);
    });
  } catch (error) {
    await checkpointAfterFailure(run.checkpoint, error);
    throw error;
  }
  logWarnings(ctx, plan, result.warnings);
  state.setBookmark(id, { last_replication_method: 'FULL_TABLE', version });
  await ctx.writer.write(activateVersionMessage(plan.stream, version));
  await state.emit();
  ctx.log.info(`${id}: FULL_TABLE done`, { stream: id, records: result.records, version, slices });
  return true;
}
