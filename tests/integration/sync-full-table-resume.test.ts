import type postgres from 'postgres';
import { discover, select, type Catalog } from '../helpers/catalog';
import { adminSql, testConfig, waitForHorizon } from '../helpers/db';
import { byType, lastState } from '../helpers/messages';
import { runTap, type TapRun } from '../helpers/run-tap';
import { killAfterBytes, seededRandom } from '../helpers/kill';

const SCHEMA = 'sync_ft_resume';
const STREAM = `${SCHEMA}-moving`;
const ROWS = 40_000;
// A database of its own: VACUUM frees space only behind the oldest snapshot of its database, and
// the other test files' long transactions must not hold that back.
const DB = 'tap_ft_resume';
const config = testConfig({ dbname: DB, filter_schemas: [SCHEMA], state_interval: 500 });
let admin: postgres.Sql;
let sql: postgres.Sql;
let catalog: Catalog;

async function resetTable(): Promise<void> {
  await sql.unsafe(`
    DROP TABLE IF EXISTS ${SCHEMA}.moving;
    CREATE TABLE ${SCHEMA}.moving (id int PRIMARY KEY, n int NOT NULL, pad text);
    ALTER TABLE ${SCHEMA}.moving SET (autovacuum_enabled = false);
    INSERT INTO ${SCHEMA}.moving SELECT g, g, repeat('p', 100) FROM generate_series(1, ${ROWS}) g;
  `);
}

beforeAll(async () => {
  admin = adminSql();
  await admin.unsafe(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE ${DB}`);
  sql = adminSql(DB);
  await sql.unsafe(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA};`);
  await resetTable();
  catalog = select(await discover(config), { [STREAM]: { 'replication-method': 'FULL_TABLE' } });
});

afterAll(async () => {
  await sql.end();
  await admin.unsafe(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.end();
});

/** `id:n` of every record of the stream with this version. */
function sent(runs: TapRun[], version: number): Set<string> {
  const rows = runs.flatMap((run) => byType(run.messages, 'RECORD').filter((m) => m.stream === STREAM && m.version === version));
  return new Set(rows.map((m) => `${m.record.id}:${m.record.n}`));
}

async function pageOf(ids: string): Promise<number[]> {
  const rows = await sql.unsafe(`SELECT (ctid::text::point)[0]::int AS page FROM ${SCHEMA}.moving WHERE ${ids}`);
  return rows.map((r) => Number(r.page));
}

test.each([1, 2, 3])('rows updated, moved, inserted and deleted before a resume are all in the resumed version (seed %i)', async (seed) => {
  await resetTable();
  // The first run's horizon must be past the rows just written (no older transaction running).
  await waitForHorizon(sql);
  const random = seededRandom(seed);
  // A transaction that is running when the first run takes its snapshot, and writes after it.
  const early = await sql.reserve();
  let first: TapRun;
  let bookmark: Record<string, any>;
  try {
    await early`BEGIN`;
    await early`SELECT txid_current()`;
    first = await runTap([], { config, catalog, onSpawn: killAfterBytes(2_500_000 + Math.floor(random() * 3_000_000)) });
    expect(first.signal).toBe('SIGKILL');
    bookmark = lastState(first.messages)?.bookmarks[STREAM];
    // The output is written in batches: the last STATE read may lag the kill point by a batch.
    expect(bookmark.ctid_page).toBeGreaterThan(10);
    expect(bookmark.snapshot_xmin).toEqual(expect.any(Number));
    const sentPages = `(ctid::text::point)[0] < ${bookmark.ctid_page}`;

    // The transaction running at the horizon changes already-sent rows and commits only now (before the VACUUM, which it would hold back).
    await early.unsafe(`UPDATE ${SCHEMA}.moving SET n = n + 2000000 WHERE id BETWEEN 10 AND 40`);
    await early`COMMIT`;

    // Free space on pages already sent, then move rows from pages not yet sent down into it.
    await sql.unsafe(`DELETE FROM ${SCHEMA}.moving WHERE ${sentPages} AND id % 3 = 0`);
    await sql.unsafe(`VACUUM ${SCHEMA}.moving`);
    await sql.unsafe(`UPDATE ${SCHEMA}.moving SET n = -n WHERE id > ${ROWS - 600}`);
    await sql.unsafe(`INSERT INTO ${SCHEMA}.moving SELECT g, g, 'new' FROM generate_series(${ROWS + 1}, ${ROWS + 200}) g`);
    // HOT updates of rows on pages already sent (their pages now have room).
    await sql.unsafe(`UPDATE ${SCHEMA}.moving SET n = n + 1000000 WHERE ${sentPages} AND id % 3 = 1 AND id % 7 = 0`);
  } finally {
    await early`ROLLBACK`.catch(() => undefined);
    early.release();
  }
  const resumePage: number = bookmark.ctid_page;
  // Frozen tuples keep their xmin: the moved rows must still count as newer.
  await sql.unsafe(`VACUUM (FREEZE) ${SCHEMA}.moving`);

  const movedPages = await pageOf(`id > ${ROWS - 600} OR id > ${ROWS}`);
  // The point of the test: some changed rows now sit on pages the first run had already sent.
  expect(movedPages.filter((page) => page < resumePage).length).toBeGreaterThan(50);

  const second = await runTap([], { config, catalog, state: lastState(first.messages) });
  expect(second.code).toBe(0);
  expect(second.stderr).toContain(`resuming FULL_TABLE at heap page ${resumePage}`);
  const version: number = bookmark.version;
  expect(new Set(byType(second.messages, 'RECORD').map((m) => m.version))).toEqual(new Set([version]));
  const got = sent([first, second], version);
  const live = await sql.unsafe(`SELECT id, n FROM ${SCHEMA}.moving`);
  const missing = live.filter((r) => !got.has(`${r.id}:${r.n}`)).map((r) => `${r.id}:${r.n}`);
  expect(missing).toEqual([]);
  // Of the pages already sent, only the newer rows are sent again: not one unchanged row.
  const unchanged = await sql.unsafe(`SELECT id FROM ${SCHEMA}.moving WHERE (ctid::text::point)[0] < ${resumePage} AND id % 3 = 2 AND id NOT BETWEEN 10 AND 40 AND id <= ${ROWS - 600}`);
  expect(unchanged.length).toBeGreaterThan(50);
  const again = new Set(byType(second.messages, 'RECORD').map((m) => m.record.id));
  expect(unchanged.filter((r) => again.has(r.id))).toEqual([]);
  expect(lastState(second.messages)?.bookmarks[STREAM]).toEqual({ last_replication_method: 'FULL_TABLE', version });
});

test('a STATE from before snapshot_xmin existed reads the table again from page 0, in the same version', async () => {
  await resetTable();
  const first = await runTap([], { config, catalog, onSpawn: killAfterBytes(2_000_000) });
  const state = lastState(first.messages)!;
  const bookmark = state.bookmarks[STREAM];
  expect(bookmark.ctid_page).toBeGreaterThan(0);
  delete bookmark.snapshot_xmin;
  const second = await runTap([], { config, catalog, state });
  expect(second.code).toBe(0);
  expect(second.stderr).toContain('no snapshot_xmin');
  const records = byType(second.messages, 'RECORD');
  expect(records).toHaveLength(ROWS);
  expect(new Set(records.map((m) => m.version))).toEqual(new Set([bookmark.version]));
});

test('a resumed run that has sent the rows changed below its page moves the horizon up: the next resume does not send them again', async () => {
  await resetTable();
  await waitForHorizon(sql);
  const first = await runTap([], { config, catalog, onSpawn: killAfterBytes(1_500_000) });
  const state1 = lastState(first.messages)!;
  const page1: number = state1.bookmarks[STREAM].ctid_page;
  expect(page1).toBeGreaterThan(10);
  // Room on the pages already sent, so that the updates stay there (HOT) rather than move past the resume pages.
  await sql.unsafe(`DELETE FROM ${SCHEMA}.moving WHERE (ctid::text::point)[0] < ${page1} AND id % 50 = 1`);
  await sql.unsafe(`VACUUM ${SCHEMA}.moving`);
  await sql.unsafe(`UPDATE ${SCHEMA}.moving SET n = -n WHERE (ctid::text::point)[0] < ${page1} AND id % 50 = 0`);
  const changedEarly = (await sql.unsafe(`SELECT id FROM ${SCHEMA}.moving WHERE n < 0 AND (ctid::text::point)[0] < ${page1}`)).map((r) => r.id);
  expect(changedEarly.length).toBeGreaterThan(20);

  // The second run's own horizon must be past the first's.
  await waitForHorizon(sql);
  const second = await runTap([], { config, catalog, state: state1, onSpawn: killAfterBytes(1_500_000) });
  expect(second.signal).toBe('SIGKILL');
  const state2 = lastState(second.messages)!;
  const bookmark2 = state2.bookmarks[STREAM];
  // The second run sent the early changes first, then went on past page1 with a newer horizon.
  const sentBySecond = new Set(byType(second.messages, 'RECORD').map((m) => m.record.id));
  expect(changedEarly.filter((id) => !sentBySecond.has(id))).toEqual([]);
  expect(bookmark2.ctid_page).toBeGreaterThan(page1);
  expect(bookmark2.snapshot_xmin).toBeGreaterThan(state1.bookmarks[STREAM].snapshot_xmin);

  await sql.unsafe(`UPDATE ${SCHEMA}.moving SET n = n + 5000000 WHERE id IN (2, 3, 4)`);
  const third = await runTap([], { config, catalog, state: state2 });
  expect(third.code).toBe(0);
  const sentByThird = new Set(byType(third.messages, 'RECORD').map((m) => m.record.id));
  expect(changedEarly.filter((id) => sentByThird.has(id) && id > 4)).toEqual([]);
  expect([2, 3, 4].filter((id) => !sentByThird.has(id))).toEqual([]);
  const got = sent([first, second, third], bookmark2.version);
  const live = await sql.unsafe(`SELECT id, n FROM ${SCHEMA}.moving`);
  expect(live.filter((r) => !got.has(`${r.id}:${r.n}`)).map((r) => r.id)).toEqual([]);
});
