/**
 * How a large table is cut into work: from its size in pages (pg_relation_size; no count(*), no
 * sort) and the pages already sent, a list of page-range chunks in heap order that the slices
 * take one after another. The chunks cover every page not yet sent, each at most
 * MAX_CHUNK_PAGES (what a crash may send again), then one chunk without an end for the rows on
 * pages added after the size was read. The pages already sent are read again only for their row
 * versions newer than the table version's horizon (lib/sync/full-table-resume.ts), as `moved`
 * chunks, which go first.
 */
import { gapsBefore, type PageRange } from '../../state/page-ranges';

export interface Chunk {
  start: number;
  /** Exclusive; null: to the end of the heap. */
  end: number | null;
  /** Only the row versions newer than the horizon (pages already sent), not the whole range. */
  moved: boolean;
}

/** Chunks per slice: small enough that slices finish close together, few enough to cost nothing. */
const CHUNKS_PER_SLICE = 8;
/** At most 16 MiB of heap per chunk: a chunk's rows are sent again when it is cut short. */
export const MAX_CHUNK_PAGES = 2048;

/**
 * The connections to read a table of `pages` heap pages with in chunks: 0 below the threshold
 * (read it with one plain scan), else `max_parallel_slices` (1 = chunks on one connection).
 */
export function sliceCount(pages: number, maxSlices: number, minPages: number): number {
  return pages >= minPages ? Math.max(1, maxSlices) : 0;
}

function chunkPages(pages: number, slices: number): number {
  return Math.min(MAX_CHUNK_PAGES, Math.max(1, Math.ceil(pages / (slices * CHUNKS_PER_SLICE))));
}

function split(range: PageRange, size: number, moved: boolean): Chunk[] {
  const chunks: Chunk[] = [];
  for (let start = range[0]; start < range[1]; start += size) chunks.push({ start, end: Math.min(start + size, range[1]), moved });
  return chunks;
}

/**
 * The chunks of a table of `pages` pages of which `sent` (merged ranges) are sent, for `slices`
 * connections.
 */
export function planChunks(sent: readonly PageRange[], pages: number, slices: number): Chunk[] {
  const end = Math.max(pages, sent.length > 0 ? sent[sent.length - 1][1] : 0);
  const gaps = gapsBefore(sent, end);
  const todo = gaps.reduce((sum, [start, stop]) => sum + stop - start, 0);
  const size = chunkPages(todo, slices);
  const chunks = gaps.flatMap((gap) => split(gap, size, false));
  chunks.push({ start: end, end: null, moved: false });
  const movedSize = chunkPages(end - todo, slices);
  return [...sent.flatMap((range) => split(range, movedSize, true)), ...chunks];
}

function checkedPage(page: number): number {
  if (!Number.isSafeInteger(page) || page < 0) throw new RangeError(`invalid heap page ${page}`);
  return page;
}

/** The chunk's pages as a SQL condition on ctid (a TID range scan). */
export function chunkRange(chunk: Chunk): string {
  const from = `ctid >= '(${checkedPage(chunk.start)},0)'::tid`;
  return chunk.end === null ? from : `${from} AND ctid < '(${checkedPage(chunk.end)},0)'::tid`;
}
