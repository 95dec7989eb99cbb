import { byType, expectValidSingerLines } from '../helpers/messages';
import { expectOk, logicalFixture, records, type LogicalFixture } from '../helpers/logical';

let f: LogicalFixture;
const items = () => `${f.schema}-items`;

beforeAll(async () => {
  f = await logicalFixture(
    'basic',
    `CREATE TABLE S.items (id int PRIMARY KEY, name text, amount numeric(12,2));
     INSERT INTO S.items SELECT g, 'item ' || g, g * 1.5 FROM generate_series(1, 5) g;
     CREATE TABLE S.noise (id serial PRIMARY KEY, v text);`,
    ['items'],
  );
});

afterAll(async () => {
  await f.drop();
});

test('first run snapshots, later runs stream inserts, updates and deletes', async () => {
  const first = await f.run(['items']);
  const state1 = expectOk(first);
  expectValidSingerLines(first.stdout);
  const schema = byType(first.messages, 'SCHEMA')[0];
  expect(Object.keys(schema.schema.properties)).toEqual(['id', 'name', 'amount', '_sdc_lsn', '_sdc_deleted_at']);
  expect(records(first, items()).map((r) => r.id)).toEqual([1, 2, 3, 4, 5]);
  const bm1 = state1.bookmarks[items()];
  expect(bm1.last_replication_method).toBe('LOG_BASED');
  expect(Number.isSafeInteger(bm1.lsn)).toBe(true);
  // Snapshot rows carry the snapshot's position, which a STATE sent; the run's last bookmark may
  // have moved past it since (keepalives from other WAL on the shared server).
  const snapshotLsn = records(first, items())[0]._sdc_lsn;
  expect(records(first, items()).every((r) => r._sdc_lsn === snapshotLsn)).toBe(true);
  expect(snapshotLsn).toBeLessThanOrEqual(bm1.lsn);
  expect(byType(first.messages, 'STATE').some((m) => m.value.bookmarks[items()]?.lsn === snapshotLsn)).toBe(true);

  await f.sql.unsafe(`INSERT INTO ${f.schema}.items VALUES (6, 'six', 6.5)`);
  await f.sql.unsafe(`UPDATE ${f.schema}.items SET name = 'two!' WHERE id = 2`);
  await f.sql.unsafe(`DELETE FROM ${f.schema}.items WHERE id = 3`);
  const second = await f.run(['items'], state1);
  const state2 = expectOk(second);
  expectValidSingerLines(second.stdout);
  const got = records(second, items());
  expect(got.map(({ _sdc_lsn, _sdc_deleted_at, ...rest }) => rest)).toEqual([
    { id: 6, name: 'six', amount: 6.5 },
    { id: 2, name: 'two!', amount: 3 },
    { id: 3 },
  ]);
  expect(got[0]._sdc_deleted_at).toBeNull();
  expect(got[2]._sdc_deleted_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
  expect(got.every((r) => Number.isInteger(r._sdc_lsn) && r._sdc_lsn >= bm1.lsn)).toBe(true);
  expect(got[0]._sdc_lsn).toBeLessThan(got[1]._sdc_lsn);
  const bm2 = state2.bookmarks[items()];
  expect(bm2.lsn).toBeGreaterThan(got[2]._sdc_lsn);
  expect(bm2.version).toBe(bm1.version);
  expect(byType(second.messages, 'RECORD').every((m) => m.version === bm1.version)).toBe(true);
  // The slot was confirmed only to the LSN of the state this run was given.
  expect(await f.confirmedFlush()).toBeLessThanOrEqual(bm1.lsn);

  // No change to the table, but WAL from another table: the bookmark still moves on, the run
  // ends quickly, and the slot is confirmed up to the state it was given.
  await f.sql.unsafe(`INSERT INTO ${f.schema}.noise (v) SELECT 'x' FROM generate_series(1, 100)`);
  const started = Date.now();
  const third = await f.run(['items'], state2);
  const state3 = expectOk(third);
  expect(Date.now() - started).toBeLessThan(5000);
  expect(records(third, items())).toEqual([]);
  expect(state3.bookmarks[items()].lsn).toBeGreaterThan(bm2.lsn);
  expect(await f.confirmedFlush()).toBe(bm2.lsn);
});
