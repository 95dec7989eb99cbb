import { gapsBefore, mergeRanges, pageCount, rangeFields, sentRanges, type PageRange } from '../../lib/state/page-ranges';
import { parseState } from '../../lib/state/parse-state';
import { InputError } from '../../lib/errors';
import { MAX_CHUNK_PAGES, planChunks, sliceCount } from '../../lib/sync/slices/plan';
import { PageProgress } from '../../lib/sync/slices/progress';

describe('page ranges in the STATE', () => {
  test('merge joins overlapping and adjacent ranges and drops empty ones', () => {
    expect(mergeRanges([[10, 20], [0, 5], [5, 7], [15, 30], [40, 40], [31, 33]])).toEqual([[0, 7], [10, 30], [31, 33]]);
  });

  test('the prefix from page 0 is ctid_page; the rest are ctid_ranges, only when there are any', () => {
    expect(rangeFields([[0, 7], [10, 30]])).toEqual({ ctid_page: 7, ctid_ranges: [[10, 30]] });
    expect(rangeFields([[3, 9]])).toEqual({ ctid_page: 0, ctid_ranges: [[3, 9]] });
    expect(rangeFields([[0, 12]])).toEqual({ ctid_page: 12 });
    expect(rangeFields([])).toEqual({ ctid_page: 0 });
  });

  test('a bookmark reads back as the ranges it was written from, and an old one as its prefix', () => {
    const ranges: PageRange[] = [[0, 7], [10, 30], [44, 45]];
    expect(sentRanges(rangeFields(ranges))).toEqual(ranges);
    expect(sentRanges({ ctid_page: 12 })).toEqual([[0, 12]]);
    expect(sentRanges({})).toEqual([]);
  });

  test('gaps are the pages not sent, up to an end', () => {
    expect(gapsBefore([[0, 7], [10, 30]], 50)).toEqual([[7, 10], [30, 50]]);
    expect(gapsBefore([[5, 60]], 50)).toEqual([[0, 5]]);
    expect(gapsBefore([], 3)).toEqual([[0, 3]]);
  });

  test('parseState rejects ctid_ranges that are not [first, end) page pairs', () => {
    const ids = ['s-t'];
    const ok = parseState({ bookmarks: { 's-t': { version: 1, ctid_page: 0, ctid_ranges: [[2, 5]] } } }, 'db', ids);
    expect(ok.bookmarks['s-t'].ctid_ranges).toEqual([[2, 5]]);
    for (const bad of [5, [[1]], [[5, 2]], [[-1, 3]], [['1', 3]], [[1.5, 3]]]) {
      expect(() => parseState({ bookmarks: { 's-t': { version: 1, ctid_page: 0, ctid_ranges: bad } } }, 'db', ids)).toThrow(InputError);
    }
  });
});

describe('slice plan', () => {
  test('small tables are not read in chunks; large ones over max_parallel_slices connections, at least one', () => {
    expect(sliceCount(4095, 4, 4096)).toBe(0);
    expect(sliceCount(4096, 4, 4096)).toBe(4);
    expect(sliceCount(1e6, 1, 4096)).toBe(1);
    expect(sliceCount(1e6, 0, 4096)).toBe(1);
  });

  test('a fresh table: chunks in heap order cover every page, then one without an end', () => {
    const chunks = planChunks([], 1000, 4);
    expect(chunks).toHaveLength(33);
    expect(chunks[0]).toEqual({ start: 0, end: 32, moved: false });
    expect(chunks[31]).toEqual({ start: 992, end: 1000, moved: false });
    expect(chunks[32]).toEqual({ start: 1000, end: null, moved: false });
    chunks.slice(1).forEach((chunk, i) => expect(chunk.start).toBe(chunks[i].end));
  });

  test('no chunk has more than MAX_CHUNK_PAGES pages', () => {
    const chunks = planChunks([], 100_000, 1);
    expect(Math.max(...chunks.filter((c) => c.end !== null).map((c) => (c.end as number) - c.start))).toBe(MAX_CHUNK_PAGES);
    expect(pageCount(chunks.filter((c) => c.end !== null).map((c): PageRange => [c.start, c.end as number]))).toBe(100_000);
  });

  test('a resume reads the gaps in full and the sent pages for moved rows only, those first', () => {
    const sent: PageRange[] = [[0, 300], [500, 600]];
    const chunks = planChunks(sent, 1000, 2);
    const moved = chunks.filter((c) => c.moved);
    const full = chunks.filter((c) => !c.moved);
    expect(chunks.slice(0, moved.length)).toEqual(moved);
    expect(mergeRanges(moved.map((c): PageRange => [c.start, c.end as number]))).toEqual(sent);
    expect(full[full.length - 1].end).toBeNull();
    const fullRanges = full.map((c): PageRange => [c.start, c.end ?? 1000]);
    expect(mergeRanges(fullRanges)).toEqual([[300, 500], [600, 1000]]);
    expect(pageCount(fullRanges)).toBe(600);
  });

  test('sent pages beyond the table size (it shrank): an open chunk after them', () => {
    const chunks = planChunks([[0, 1200]], 1000, 2);
    expect(chunks.filter((c) => !c.moved)).toEqual([{ start: 1200, end: null, moved: false }]);
  });
});

describe('page progress', () => {
  test('pages before a chunk\'s last row count as sent; a finished chunk counts whole', () => {
    const progress = new PageProgress([[0, 10]]);
    const a = progress.begin(10);
    const b = progress.begin(50);
    a.page = 14;
    b.page = 50;
    expect(progress.sent()).toEqual([[0, 14]]);
    progress.finish(b, 90);
    expect(progress.sent()).toEqual([[0, 14], [50, 90]]);
    a.page = 30;
    progress.drop(a);
    expect(progress.sent()).toEqual([[0, 30], [50, 90]]);
    expect(progress.sentPages()).toBe(70);
  });
});
