/**
 * FULL_TABLE in slices: several connections on one snapshot read page ranges of one table. The
 * table here is small (about 1,000 heap pages); `slice_min_pages` is lowered so it is sliced.
 */
import type postgres from 'postgres';
import { discover, select, type Catalog } from '../helpers/catalog';
import { adminSql, testConfig } from '../helpers/db';
import { byType, lastState } from '../helpers/messages';
import { runTap, type TapRun } from '../helpers/run-tap';
import { killAfterBytes, onFirstOutput, seededOffset } from '../helpers/kill';
import type { ChildProcess } from 'node:child_process';

const SCHEMA = 'sync_slices';
const STREAM = `${SCHEMA}-sliced`;
const ROWS = 60_000;
// A database of its own: VACUUM frees space only behind the oldest snapshot of its database.
const DB = 'tap_slices';
const config = testConfig({ dbname: DB, filter_schemas: [SCHEMA], state_interval: 500, max_parallel_slices: 4, slice_min_pages: 64 });
let admin: postgres.Sql;
let sql: postgres.Sql;
let catalog: Catalog;

async function resetTable(): Promise<void> {
  await sql.unsafe(`
    DROP TABLE IF EXISTS ${SCHEMA}.sliced;
    CREATE TABLE ${SCHEMA}.sliced (id int PRIMARY KEY, n int NOT NULL, pad text);
    ALTER TABLE ${SCHEMA}.sliced SET (autovacuum_enabled = false);
    INSERT INTO ${SCHEMA}.sliced SELECT g, g, repeat('p', 100) FROM generate_series(1, ${ROWS}) g;
    ANALYZE ${SCHEMA}.sliced; -- what autovacuum does after a load: relpages tells the tap it is large
  `);
}

beforeAll(async () => {
  admin = adminSql();
  await admin.unsafe(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE ${DB}`);
  sql = adminSql(DB);
  await sql.unsafe(`CREATE SCHEMA ${SCHEMA}`);
  await resetTable();
  catalog = select(await discover(config), { [STREAM]: { 'replication-method': 'FULL_TABLE' } });
});

afterAll(async () => {
  await sql.end();
  await admin.unsafe(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.end();
});

function records(run: TapRun): Array<Record<string, any>> {
  return byType(run.messages, 'RECORD').filter((m) => m.stream === STREAM);
}

/** Ids seen more than once. */
function repeated(ids: number[]): number[] {
  const seen = new Set<number>();
  return ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
}

test('4 slices send every row exactly once, the same rows as 1 slice, and end like a single read', async () => {
  await resetTable();
  const single = await runTap([], { config: { ...config, max_parallel_slices: 1 }, catalog });
  const sliced = await runTap([], { config, catalog });
  expect(single.code).toBe(0);
  expect(sliced.code).toBe(0);
  expect(sliced.stderr).toMatch(/FULL_TABLE in 4 slices of \d+ heap pages/);
  expect(single.stderr).toMatch(/FULL_TABLE in 1 slice of \d+ heap pages/);
  const key = (m: Record<string, any>) => `${m.record.id}:${m.record.n}:${m.record.pad}`;
  const slicedRows = records(sliced);
  expect(slicedRows.length).toBe(ROWS);
  expect(repeated(slicedRows.map((m) => m.record.id))).toEqual([]);
  expect(new Set(slicedRows.map(key))).toEqual(new Set(records(single).map(key)));
  // Slices interleave whole batches: the rows do not come in id (heap) order.
  const ids = slicedRows.map((m) => m.record.id as number);
  expect(ids.some((id, i) => i > 0 && id < ids[i - 1])).toBe(true);
  const version = slicedRows[0].version;
  expect(new Set(slicedRows.map((m) => m.version))).toEqual(new Set([version]));
  const activates = byType(sliced.messages, 'ACTIVATE_VERSION');
  expect(activates.map((m) => m.version)).toEqual([version, version]);
  expect(lastState(sliced.messages)?.bookmarks[STREAM]).toEqual({ last_replication_method: 'FULL_TABLE', version });
  // Every STATE during the read holds only pages whose rows were all sent before it.
  const states = byType(sliced.messages, 'STATE').map((m) => m.value.bookmarks[STREAM]).filter((b) => b.ctid_page !== undefined);
  expect(states.some((b) => b.ctid_ranges !== undefined || b.ctid_page > 0)).toBe(true);
});

test('a concurrent writer moving rows between pages never makes a row come twice or not at all, and the sum holds', async () => {
  await resetTable();
  const [{ total }] = await sql.unsafe(`SELECT sum(n)::int8::text AS total FROM ${SCHEMA}.sliced`);
  const writer = await sql.reserve();
  let reading = false;
  let running = true;
  let duringRead = 0;
  let step = 0;
  // Each transaction moves 1 from a row near the heap's start to one near its end, and grows
  // both rows so their new versions go to other pages (often other slices).
  const transfers = (async () => {
    while (running) {
      step += 1;
      const low = 1 + ((step * 7919) % (ROWS / 2));
      const high = ROWS / 2 + 1 + ((step * 104729) % (ROWS / 2));
      await writer.unsafe(`
        BEGIN;
        UPDATE ${SCHEMA}.sliced SET n = n - 1, pad = pad || 'x' WHERE id = ${low};
        UPDATE ${SCHEMA}.sliced SET n = n + 1, pad = pad || 'x' WHERE id = ${high};
        COMMIT;`);
      if (reading) duringRead += 1;
    }
  })();
  let run: TapRun;
  try {
    run = await runTap([], { config, catalog, onSpawn: onFirstOutput(() => (reading = true)) });
  } finally {
    reading = false;
    running = false;
    await transfers;
    writer.release();
  }
  expect(run.code).toBe(0);
  expect(duringRead).toBeGreaterThan(5);
  const rows = records(run);
  expect(rows.length).toBe(ROWS);
  expect(repeated(rows.map((m) => m.record.id))).toEqual([]);
  expect(String(rows.reduce((sum, m) => sum + (m.record.n as number), 0))).toBe(total);
});

test.each([
  [1, 4],
  [2, 4],
  [3, 1],
])('SIGKILL mid-read, then a resume: sent pages were whole, only the rest is read again, no row is lost (kill %i, max_parallel_slices %i)', async (kill, slices) => {
  await resetTable();
  const pageOf = new Map<number, number>();
  for (const r of await sql.unsafe(`SELECT id, (ctid::text::point)[0]::int AS page FROM ${SCHEMA}.sliced`)) pageOf.set(r.id, r.page);
  // One slice has sent nothing until its first chunk (about 2 MB of output here) is whole.
  const bytes = slices === 1 ? seededOffset(`sync-slices kill ${kill}`, 4_500_000, 10_000_000) : seededOffset(`sync-slices kill ${kill}`, 1_500_000, 6_000_000);
  const first = await runTap([], { config: { ...config, max_parallel_slices: slices }, catalog, onSpawn: killAfterBytes(bytes) });
  expect(first.signal).toBe('SIGKILL');
  const state = lastState(first.messages)!;
  const bookmark = state.bookmarks[STREAM];
  const sent: Array<[number, number]> = [[0, bookmark.ctid_page], ...(bookmark.ctid_ranges ?? [])];
  const isSent = (page: number) => sent.some(([a, b]) => page >= a && page < b);
  const sentIds = [...pageOf].filter(([, page]) => isSent(page)).map(([id]) => id);
  expect(sentIds.length).toBeGreaterThan(1000);
  // Every row of a page the STATE calls sent came before that STATE.
  const stateAt = first.messages.lastIndexOf(first.messages.filter((m) => m.type === 'STATE').pop()!);
  const before = new Set(records({ ...first, messages: first.messages.slice(0, stateAt) }).map((m) => m.record.id));
  expect(sentIds.filter((id) => !before.has(id))).toEqual([]);

  // Changes between the runs: some on sent pages, rows moved onto them, new rows.
  await sql.unsafe(`DELETE FROM ${SCHEMA}.sliced WHERE id % 5 = 0`);
  await sql.unsafe(`VACUUM ${SCHEMA}.sliced`);
  await sql.unsafe(`UPDATE ${SCHEMA}.sliced SET n = -n WHERE id % 11 = 1`);
  await sql.unsafe(`INSERT INTO ${SCHEMA}.sliced SELECT g, g, 'new' FROM generate_series(${ROWS + 1}, ${ROWS + 300}) g`);

  const second = await runTap([], { config: { ...config, max_parallel_slices: slices }, catalog, state });
  expect(second.code).toBe(0);
  expect(second.stderr).toMatch(/resuming with \d+ heap pages already sent/);
  const version: number = bookmark.version;
  expect(new Set(records(second).map((m) => m.version))).toEqual(new Set([version]));
  const got = new Set([first, second].flatMap((run) => records(run).filter((m) => m.version === version)).map((m) => `${m.record.id}:${m.record.n}`));
  const live = await sql.unsafe(`SELECT id, n FROM ${SCHEMA}.sliced`);
  expect(live.filter((r) => !got.has(`${r.id}:${r.n}`)).map((r) => r.id)).toEqual([]);
  // Rows left alone on pages already sent are not read again — those older than the horizon:
  // a transaction of another test (xids are cluster-wide) may have held the horizon back
  // before the table was filled. (A fresh cluster: xmin is the 64-bit xid.)
  const again = new Set(records(second).map((m) => m.record.id));
  const older = new Set((await sql.unsafe(`SELECT id FROM ${SCHEMA}.sliced WHERE xmin::text::int8 < ${bookmark.snapshot_xmin}`)).map((r) => r.id));
  const untouched = sentIds.filter((id) => id % 5 !== 0 && id % 11 !== 1);
  expect(untouched.length).toBeGreaterThan(500);
  expect(untouched.filter((id) => older.has(id) && again.has(id))).toEqual([]);
  expect(lastState(second.messages)?.bookmarks[STREAM]).toEqual({ last_replication_method: 'FULL_TABLE', version });
});

test('slice backends terminated mid-read are retried within the run on a new snapshot: every row, one version, exit 0', async () => {
  await resetTable();
  const appName = 'tap_slices_faults';
  let terminated = 0;
  // With stdout paused every slice stalls (back-pressure); then their backends, in their
  // snapshot transactions (running a COPY or between two), are terminated.
  const cut = (child: ChildProcess) => {
    let seen = 0;
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (terminated > 0 || seen < 3_000_000) return;
      terminated = -1;
      child.stdout?.pause();
      void sql<Array<{ n: number }>>`
        SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE application_name = ${appName} AND state <> 'idle'`.then(([row]) => {
        terminated = row.n;
        child.stdout?.resume();
      });
    });
  };
  const run = await runTap([], { config: { ...config, application_name: appName, retry_backoff_seconds: 0.1 }, catalog, onSpawn: cut });
  expect(run.code).toBe(0);
  expect(terminated).toBeGreaterThan(0);
  expect(run.stderr).toContain('retry 1 of 5');
  const rows = records(run);
  expect(new Set(rows.map((m) => m.record.id)).size).toBe(ROWS);
  expect(new Set(rows.map((m) => m.version)).size).toBe(1);
  // Only the pages the cut slices were in the middle of come again.
  expect(rows.length).toBeLessThan(ROWS * 1.2);
});
