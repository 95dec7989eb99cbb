/**
 * The heap pages of a FULL_TABLE version already sent, as the STATE records them: `ctid_page`,
 * the end of the complete prefix (every page before it is sent), and `ctid_ranges`, the complete
 * ranges after it, `[first, end)` pairs in page order. A run that reads one connection only ever
 * has the prefix; a run in slices has the prefix plus a few ranges (the slices that finished or
 * got part way ahead of the slowest one).
 */
import type { Bookmark } from './types';

/** Heap pages `[start, end)`. */
export type PageRange = readonly [start: number, end: number];

/** Sorted, overlapping and adjacent ranges joined, empty ones dropped. */
export function mergeRanges(ranges: Iterable<PageRange>): PageRange[] {
  const sorted = [...ranges].filter(([start, end]) => end > start).sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [start, end] of sorted) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/** The pages a bookmark records as sent. */
export function sentRanges(bookmark: Bookmark): PageRange[] {
  const prefix: PageRange = [0, bookmark.ctid_page ?? 0];
  return mergeRanges([prefix, ...(bookmark.ctid_ranges ?? [])]);
}

/** The bookmark fields for `ranges` (merged): the prefix, and the ranges after it when there are any. */
export function rangeFields(ranges: readonly PageRange[]): Pick<Bookmark, 'ctid_page' | 'ctid_ranges'> {
  const prefix = ranges.length > 0 && ranges[0][0] === 0 ? ranges[0][1] : 0;
  const rest = ranges.filter(([start]) => start > 0).map(([start, end]): [number, number] => [start, end]);
  return rest.length > 0 ? { ctid_page: prefix, ctid_ranges: rest } : { ctid_page: prefix };
}

/** The pages of `[0, end)` not in `ranges` (merged). */
export function gapsBefore(ranges: readonly PageRange[], end: number): PageRange[] {
  const gaps: PageRange[] = [];
  let from = 0;
  for (const [start, stop] of ranges) {
    if (start >= end) break;
    if (start > from) gaps.push([from, start]);
    from = Math.max(from, stop);
  }
  if (from < end) gaps.push([from, end]);
  return gaps;
}

/** The number of pages in `ranges` (merged). */
export function pageCount(ranges: readonly PageRange[]): number {
  return ranges.reduce((sum, [start, end]) => sum + end - start, 0);
}
