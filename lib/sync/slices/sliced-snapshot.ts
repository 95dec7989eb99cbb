/**
 * A LOG_BASED stream's first snapshot of a large table, in slices: the same chunks and shared
 * snapshot as FULL_TABLE (./read-chunks.ts), every row once, no resume position (an interrupted
 * snapshot starts over, as with one connection). Plain tables without children only, PostgreSQL
 * >= 14 (TID range scans).
 */
import type { PendingQuery, Row } from 'postgres';
import type { StreamPlan } from '../../catalog/plan';
import type { RunContext } from '../../context';
import type { TapSql } from '../../db/connect';
import { readCopy } from '../stream-io';
import { copyToRecords, type CopyReadResult } from '../copy-reader';
import { quoteQualified } from '../queries';
import { emptyCopyResult } from '../retry';
import { heapInfoOf, heapRows } from '../heap-facts';
import { chunkRange, planChunks, sliceCount } from './plan';
import { readChunks } from './read-chunks';

export interface SnapshotSlices {
  slices: number;
  pages: number;
}

/** How many slices read `plan`'s table (1: one connection). */
export async function snapshotSlices(ctx: RunContext, plan: StreamPlan): Promise<SnapshotSlices> {
  const single = { slices: 1, pages: 0 };
  if (ctx.config.max_parallel_slices <= 1 || plan.relation.kind !== 'r') return single;
  const [row] = await heapRows(ctx.sql, [plan.relation.oid], true);
  const heap = heapInfoOf(row);
  // A heap read by TID ranges: no child tables, PostgreSQL 14 or later.
  if (!heap.resumable) return single;
  const pages = heap.size ?? 0;
  return { slices: Math.max(1, sliceCount(pages, ctx.config.max_parallel_slices, ctx.config.slice_min_pages)), pages };
}

export interface SlicedSnapshotOptions {
  /** The SQL select list: the stream's columns and the change columns (values the tap made). */
  select: string;
  version: number;
  checkpoint: () => void | Promise<void>;
  /** Runs in the shared snapshot before any row is read; throws to give it up. */
  ready: (first: TapSql) => Promise<void>;
}

/**
 * Copies every row of `table`'s heap as RECORDs of `readPlan` (its columns: the select list's).
 */
export async function copySnapshotInSlices(
  ctx: RunContext,
  readPlan: StreamPlan,
  table: StreamPlan,
  { slices, pages }: SnapshotSlices,
  options: SlicedSnapshotOptions,
): Promise<CopyReadResult> {
  const name = quoteQualified(table.relation.schema, table.relation.name);
  const result = emptyCopyResult();
  await readChunks(ctx, slices, planChunks([], pages, slices), {
    ready: options.ready,
    read: async (connection, chunk) => {
      const query = connection.unsafe(`COPY (SELECT ${options.select} FROM ONLY ${name} WHERE ${chunkRange(chunk)}) TO STDOUT`);
      const source = await readCopy(query as unknown as PendingQuery<Row[]>);
      return copyToRecords(ctx, readPlan, source, { version: options.version, extraFields: 0, checkpoint: options.checkpoint });
    },
  }, result);
  return result;
}
