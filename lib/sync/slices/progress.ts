/**
 * The pages of a table read in slices whose rows are all written: the pages sent before (from
 * the STATE), the chunks finished, and of each chunk being read the pages before the page of its
 * last row written (that page may hold more rows to come).
 */
import { mergeRanges, pageCount, type PageRange } from '../../state/page-ranges';

export interface ChunkProgress {
  readonly start: number;
  /** The page of the last row written, or `start` before the first. */
  page: number;
}

export class PageProgress {
  private done: PageRange[];
  private readonly reading = new Set<ChunkProgress>();

  constructor(sent: readonly PageRange[]) {
    this.done = mergeRanges(sent);
  }

  begin(start: number): ChunkProgress {
    const chunk = { start, page: start };
    this.reading.add(chunk);
    return chunk;
  }

  /** The chunk's rows are all written: pages `[start, end)` are sent. */
  finish(chunk: ChunkProgress, end: number): void {
    this.reading.delete(chunk);
    this.done = mergeRanges([...this.done, [chunk.start, end]]);
  }

  /** A chunk that failed: what it wrote before the page of its last row stays sent. */
  drop(chunk: ChunkProgress): void {
    this.reading.delete(chunk);
    this.done = mergeRanges([...this.done, [chunk.start, chunk.page]]);
  }

  /** Every page whose rows are all written (merged ranges). */
  sent(): PageRange[] {
    return mergeRanges([...this.done, ...[...this.reading].map((c): PageRange => [c.start, c.page])]);
  }

  sentPages(): number {
    return pageCount(this.sent());
  }
}
