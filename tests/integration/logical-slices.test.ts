/** A LOG_BASED stream's first snapshot of a large table in slices (slice_min_pages lowered). */
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
  const lsn = state.bookmarks[big()].lsn;
  expect(rows.every((r) => r._sdc_lsn === lsn)).toBe(true);

  await f.sql.unsafe(`UPDATE ${f.schema}.big SET pad = 'changed' WHERE id = 7`);
  const second = await f.run(['big'], state);
  expectOk(second);
  expect(records(second, big()).map((r) => [r.id, r.pad])).toEqual([[7, 'changed']]);
});
