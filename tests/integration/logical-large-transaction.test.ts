/**
 * LOG_BASED liveness: PostgreSQL decodes a whole transaction before it sends the first change of
 * it, which takes seconds for a few hundred thousand rows. A 1 s idle limit must not stop the run
 * meanwhile: the transaction arrives whole and the bookmark moves past it.
 */
import { expectOk, lsnNumber, logicalFixture, records, type LogicalFixture } from '../helpers/logical';

const ROWS = 300_000;
let f: LogicalFixture;

beforeAll(async () => {
  f = await logicalFixture('bigtxn', `CREATE TABLE S.items (id int PRIMARY KEY, n int NOT NULL);`, ['items'], { logical_idle_exit_seconds: 1 });
});

afterAll(async () => {
  await f.drop();
});

test(`one transaction of ${ROWS} rows is delivered whole with logical_idle_exit_seconds 1`, async () => {
  const stream = `${f.schema}-items`;
  const state1 = expectOk(await f.run(['items']));
  await f.sql.unsafe(`INSERT INTO ${f.schema}.items SELECT g, 2 * g FROM generate_series(1, ${ROWS}) g`);
  const [{ lsn }] = await f.sql`SELECT pg_current_wal_lsn()::text AS lsn`;

  const run = await f.run(['items'], state1, { timeoutMs: 150_000 });
  const state2 = expectOk(run);
  expect(run.stderr).toContain('LOG_BASED streaming done (caught up)');
  const got = records(run, stream);
  expect(got.length).toBe(ROWS);
  // Every id 1..ROWS exactly once, with its value.
  const seen = new Uint8Array(ROWS + 1);
  for (const r of got) {
    if (!Number.isInteger(r.id) || r.id < 1 || r.id > ROWS || seen[r.id] || r.n !== 2 * r.id) throw new Error(`unexpected record ${JSON.stringify(r)}`);
    seen[r.id] = 1;
  }
  expect(state2.bookmarks[stream].lsn).toBeGreaterThanOrEqual(lsnNumber(lsn));

  // The bookmark is past the transaction: the next run does not send it again.
  const again = await f.run(['items'], state2);
  expectOk(again);
  expect(records(again, stream)).toEqual([]);
}, 200_000);
