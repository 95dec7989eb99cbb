/** A LOG_BASED stream's first snapshot of a large table in slices (slice_min_pages lowered). */
import { byType } from '../helpers/messages';
import { expectOk, logicalFixture, records, type LogicalFixture } from '../helpers/logical';

const ROWS = 30_000;
let f: LogicalFixture;
const big = () => `${f.schema}-big`;

beforeAll(async () => {
  f = await logicalFixture(
    'slices',
    `CREATE TABLE S.big (id int PRIMARY KEY, pad text);
     INSERT INTO S.big SELECT g, repeat('b', 100) FROM generate_series(1, ${ROWS}) g;`,
    ['big'],
    { max_parallel_slices: 3, slice_min_pages: 64 },
  );
});

afterAll(async () => {
  await f.drop();
});

test('the snapshot in slices sends every row once, at the captured position; changes after it stream', async () => {
  const first = await f.run(['big']);
  const state = expectOk(first);
  expect(first.stderr).toMatch(/LOG_BASED snapshot in 3 slices of \d+ heap pages/);
  const rows = records(first, big());
  expect(rows.length).toBe(ROWS);
  expect(new Set(rows.map((r) => r.id)).size).toBe(ROWS);
  // The snapshot's position is the first LSN its STATEs carry (streaming may move it on after).
  const lsns = byType(first.messages, 'STATE').map((m) => m.value.bookmarks?.[big()]?.lsn).filter((l) => l !== undefined);
  expect(lsns.length).toBeGreaterThan(0);
  expect(rows.every((r) => r._sdc_lsn === lsns[0])).toBe(true);
  expect(state.bookmarks[big()].lsn).toBeGreaterThanOrEqual(lsns[0]);

  await f.sql.unsafe(`UPDATE ${f.schema}.big SET pad = 'changed' WHERE id = 7`);
  const second = await f.run(['big'], state);
  expectOk(second);
  expect(records(second, big()).map((r) => [r.id, r.pad])).toEqual([[7, 'changed']]);
});
