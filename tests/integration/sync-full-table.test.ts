import type postgres from 'postgres';
import { discover, select, type Catalog } from '../helpers/catalog';
import { adminSql, serverVersionNum, testConfig } from '../helpers/db';
import { byType, expectValidSingerLines, lastState } from '../helpers/messages';
import { runTap, type TapRun } from '../helpers/run-tap';
import { killAfterBytes, onFirstOutput, seededOffset } from '../helpers/kill';

const SCHEMA = 'sync_ft';
// TID range scans (ctid page ranges) are new in PostgreSQL 14; before, a table restarts from page 0.
const tidRange = serverVersionNum() >= 140000;
const ROWS = 60_000;
const config = testConfig({ filter_schemas: [SCHEMA], state_interval: 1000 });
let sql: postgres.Sql;
let catalog: Catalog;

function ids(run: TapRun, stream = `${SCHEMA}-items`): number[] {
  return byType(run.messages, 'RECORD').filter((m) => m.stream === stream).map((m) => m.record.id as number);
}

beforeAll(async () => {
  sql = adminSql();
  await sql.unsafe(`
    DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE;
    CREATE SCHEMA ${SCHEMA};
    CREATE TABLE ${SCHEMA}.items (id bigint PRIMARY KEY, name text, amount numeric(20,4), at timestamptz);
    INSERT INTO ${SCHEMA}.items SELECT g, 'item ' || g, g * 1.5, timestamptz '2024-01-01' + g * interval '1 second' FROM generate_series(1, ${ROWS}) g;
    CREATE TABLE ${SCHEMA}.other (id int PRIMARY KEY, v text);
    INSERT INTO ${SCHEMA}.other SELECT g, 'v' || g FROM generate_series(1, 10) g;
    CREATE VIEW ${SCHEMA}.items_view AS SELECT id, name FROM ${SCHEMA}.items WHERE id <= 100;
  `);
  catalog = await discover(config);
});

afterAll(async () => {
  await sql.end();
});

const itemsOnly = () => select(catalog, { [`${SCHEMA}-items`]: { 'replication-method': 'FULL_TABLE' } });

test('first sync: SCHEMA, STATE, ACTIVATE_VERSION, every row, ACTIVATE_VERSION, final STATE', async () => {
  const run = await runTap([], { config, catalog: itemsOnly() });
  expect(run.stderr).not.toMatch(/ERROR/);
  expect(run.code).toBe(0);
  expectValidSingerLines(run.stdout);
  const types = run.messages.map((m) => m.type);
  expect(types[0]).toBe('SCHEMA');
  expect(types.slice(1, 3)).toEqual(['STATE', 'ACTIVATE_VERSION']);
  // After the rows one STATE: the stream's final bookmark and currently_syncing null together
  // (a finished stream's STATE waits for the next one due, here the run's last).
  expect(types.slice(-2)).toEqual(['ACTIVATE_VERSION', 'STATE']);
  expect(types.slice(-3, -2)).toEqual([expect.stringMatching(/^(RECORD|STATE)$/)]);
  const got = ids(run);
  expect(got).toHaveLength(ROWS);
  expect(new Set(got).size).toBe(ROWS);
  const versions = new Set(byType(run.messages, 'RECORD').map((m) => m.version));
  expect(versions.size).toBe(1);
  const [version] = versions;
  expect(byType(run.messages, 'ACTIVATE_VERSION').every((m) => m.version === version)).toBe(true);
  expect(lastState(run.messages)).toEqual({
    currently_syncing: null,
    bookmarks: { [`${SCHEMA}-items`]: { last_replication_method: 'FULL_TABLE', version } },
  });
  // STATE every state_interval records while the table is read (from 14: each a new heap page;
  // before, nothing changes until the end, so only the first and the last STATE).
  if (tidRange) expect(byType(run.messages, 'STATE').length).toBeGreaterThanOrEqual(ROWS / 1000);
  else expect(byType(run.messages, 'STATE')).toHaveLength(2);

  const again = await runTap([], { config, catalog: itemsOnly(), state: lastState(run.messages) });
  expect(again.code).toBe(0);
  expect(byType(again.messages, 'ACTIVATE_VERSION')).toHaveLength(1);
  const types2 = again.messages.map((m) => m.type);
  expect(types2.indexOf('ACTIVATE_VERSION')).toBeGreaterThan(types2.lastIndexOf('RECORD'));
  expect(byType(again.messages, 'ACTIVATE_VERSION')[0].version).not.toBe(version);
});

test(`SIGKILL at a random row, then a run with the last STATE: ${tidRange ? 'resumes at the page, same version' : 'before 14, every row again, new version'}`, async () => {
  const first = await runTap([], { config, catalog: itemsOnly(), onSpawn: killAfterBytes(seededOffset('full-table kill', 200_000, 2_000_000)) });
  expect(first.signal).toBe('SIGKILL');
  const state = lastState(first.messages);
  expect(state?.currently_syncing).toBe(`${SCHEMA}-items`);
  const bookmark = state?.bookmarks[`${SCHEMA}-items`];
  if (!tidRange) {
    expect(bookmark).toEqual({ last_replication_method: 'FULL_TABLE', version: expect.any(Number) });
    const again = await runTap([], { config, catalog: itemsOnly(), state });
    expect(again.code).toBe(0);
    expect(new Set(ids(again)).size).toBe(ROWS);
    expect(ids(again)).toHaveLength(ROWS);
    const versions = new Set(byType(again.messages, 'RECORD').map((m) => m.version));
    expect(versions.size).toBe(1);
    expect(versions.has(bookmark.version)).toBe(false);
    return;
  }
  expect(bookmark.ctid_page).toBeGreaterThan(0);
  const second = await runTap([], { config, catalog: itemsOnly(), state });
  expect(second.code).toBe(0);
  const union = new Set([...ids(first), ...ids(second)]);
  expect(union.size).toBe(ROWS);
  expect(ids(second).length).toBeLessThan(ROWS);
  expect(new Set(byType(second.messages, 'RECORD').map((m) => m.version))).toEqual(new Set([bookmark.version]));
  // A resumed stream does not send ACTIVATE_VERSION before its rows.
  expect(second.messages.findIndex((m) => m.type === 'ACTIVATE_VERSION')).toBeGreaterThan(second.messages.findIndex((m) => m.type === 'RECORD'));
});

test('a table rewritten (VACUUM FULL) since the interruption is read again from the start', async () => {
  const first = await runTap([], { config, catalog: itemsOnly(), onSpawn: killAfterBytes(500_000) });
  const state = lastState(first.messages);
  // Before 14 no page is kept: every interrupted table starts again anyway.
  if (tidRange) expect(state?.bookmarks[`${SCHEMA}-items`].ctid_page).toBeGreaterThan(0);
  else expect(state?.bookmarks[`${SCHEMA}-items`]).not.toHaveProperty('ctid_page');
  await sql.unsafe(`VACUUM FULL ${SCHEMA}.items`);
  const second = await runTap([], { config, catalog: itemsOnly(), state });
  expect(second.code).toBe(0);
  expect(ids(second)).toHaveLength(ROWS);
  expect(second.stderr.includes('rewritten')).toBe(tidRange);
});

test('SIGTERM stops within a second with a resumable STATE and a non-zero exit', async () => {
  let signalledAt = 0;
  const run = await runTap([], {
    config,
    catalog: itemsOnly(),
    onSpawn: (child) => {
      let seen = 0;
      child.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > 300_000 && signalledAt === 0) {
          signalledAt = Date.now();
          child.kill('SIGTERM');
        }
      });
    },
  });
  const stoppedAfter = Date.now() - signalledAt;
  expect(signalledAt).toBeGreaterThan(0);
  expect(run.code).not.toBe(0);
  expect(run.code).not.toBeNull();
  expect(stoppedAfter).toBeLessThan(1500);
  // Before 14 the STATE holds no position, so the one sent before the rows is the last one needed.
  if (tidRange) expect(run.messages[run.messages.length - 1].type).toBe('STATE');
  expect(lastState(run.messages)?.bookmarks[`${SCHEMA}-items`].ctid_page).toEqual(tidRange ? expect.any(Number) : undefined);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  const resumed = await runTap([], { config, catalog: itemsOnly(), state: lastState(run.messages) });
  expect(new Set([...ids(run), ...ids(resumed)]).size).toBe(ROWS);
});

test('a lost connection with max_retries 0: exit 1, the stream\'s line with the server\'s reason, the summary, and the last STATE resumes', async () => {
  // Big enough that the server is still inside the COPY while the reader holds the pipe.
  await sql.unsafe(`
    CREATE TABLE ${SCHEMA}.bulky (id int PRIMARY KEY, pad text);
    INSERT INTO ${SCHEMA}.bulky SELECT g, repeat(md5(g::text), 10) FROM generate_series(1, 100000) g;
  `);
  const stream = `${SCHEMA}-bulky`;
  const bulky = select(await discover(config), { [stream]: {} });
  // Its own application_name, so only this tap's COPY is cut (other test files run in parallel).
  const appName = 'tap-lost-connection-test';
  const run = await runTap([], {
    config: { ...config, application_name: appName, max_retries: 0 },
    catalog: bulky,
    onSpawn: onFirstOutput((child) => {
      child.stdout?.pause();
      sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${appName} AND query LIKE 'COPY%'`
        .then(() => child.stdout?.resume(), () => child.stdout?.resume());
    }),
  });
  expect(run.code).toBe(1);
  // The stream's failure, then the run's summary.
  const errors = run.stderr.trim().split('\n').filter((l) => /ERROR/.test(l));
  expect(errors).toHaveLength(2);
  expect(errors[0]).toContain(`${stream} failed`);
  // The server's reason, or — when the backend was blocked sending to the paused tap and so sent
  // none — the lost connection.
  expect(errors[0]).toMatch(/failed: (57P01: terminating connection due to administrator command|the connection to the server was lost \(CONNECTION_CLOSED [^)]+\));/);
  expect(errors[1]).toContain(`1 of 1 stream(s) failed: ${stream}`);
  expect(run.stderr).not.toContain('Cannot read properties');
  expect(run.stderr).not.toMatch(/\n\s+at /);
  const state = lastState(run.messages);
  if (tidRange) expect(state?.bookmarks[stream].ctid_page).toBeGreaterThan(0);
  else expect(state?.bookmarks[stream]).not.toHaveProperty('ctid_page');
  const resumed = await runTap([], { config, catalog: bulky, state });
  expect(resumed.code).toBe(0);
  expect(new Set([...ids(run, stream), ...ids(resumed, stream)]).size).toBe(100000);
});

/** The new contract: the failed stream alone fails, the others sync, the run exits 1 with a summary. */
function expectOneStreamFailed(run: TapRun, failed: string, reason: RegExp): void {
  expect(run.code).toBe(1);
  const errors = run.stderr.split('\n').filter((l) => /ERROR/.test(l));
  expect(errors).toHaveLength(2);
  expect(errors[0]).toContain(`${failed} failed`);
  expect(errors[0]).toMatch(reason);
  expect(errors[1]).toContain(`1 of 3 stream(s) failed: ${failed}`);
  expect(run.stdout.endsWith('\n')).toBe(true);
  const state = lastState(run.messages);
  // The stream that finished before keeps its STATE; the one after the failed stream still ran.
  expect(state?.bookmarks[`${SCHEMA}-items`]).toEqual({ last_replication_method: 'FULL_TABLE', version: expect.any(Number) });
  expect(state?.bookmarks[`${SCHEMA}-other`]).toEqual({ last_replication_method: 'FULL_TABLE', version: expect.any(Number) });
  expect(ids(run, `${SCHEMA}-other`)).toHaveLength(10);
  expect(ids(run)).toHaveLength(ROWS);
}

test('a table dropped after the run started: that stream fails, the later ones sync, exit 1 with a summary', async () => {
  await sql.unsafe(`CREATE TABLE ${SCHEMA}.mid_doomed (id int PRIMARY KEY); INSERT INTO ${SCHEMA}.mid_doomed VALUES (1)`);
  const withDoomed = select(await discover(config), {
    [`${SCHEMA}-items`]: { 'replication-method': 'FULL_TABLE' },
    [`${SCHEMA}-mid_doomed`]: { 'replication-method': 'FULL_TABLE' },
    [`${SCHEMA}-other`]: { 'replication-method': 'FULL_TABLE' },
  });
  expect(withDoomed.streams.filter((s) => s.metadata.find((e: { breadcrumb: string[] }) => e.breadcrumb.length === 0).metadata.selected).map((s) => s.tap_stream_id)).toEqual([
    `${SCHEMA}-items`, `${SCHEMA}-mid_doomed`, `${SCHEMA}-other`,
  ]);
  const run = await runTap([], {
    config,
    catalog: withDoomed,
    // postgres.js queries are lazy: .catch() makes this one run.
    onSpawn: onFirstOutput(() => sql.unsafe(`DROP TABLE ${SCHEMA}.mid_doomed`).catch(() => undefined)),
  });
  expectOneStreamFailed(run, `${SCHEMA}-mid_doomed`, /does not exist/);
  expect(run.stderr).not.toMatch(/retry/); // a missing table is permanent
});

test('SELECT revoked after the run started: that stream fails, the later ones sync, exit 1 with a summary', async () => {
  await sql.unsafe(`
    CREATE TABLE ${SCHEMA}.mid_revoked (id int PRIMARY KEY); INSERT INTO ${SCHEMA}.mid_revoked VALUES (1);
    GRANT USAGE ON SCHEMA ${SCHEMA} TO tap_reader;
    GRANT SELECT ON ${SCHEMA}.items, ${SCHEMA}.mid_revoked, ${SCHEMA}.other TO tap_reader;
  `);
  const readerConfig = { ...config, user: 'tap_reader' };
  const streams = select(await discover(readerConfig), {
    [`${SCHEMA}-items`]: { 'replication-method': 'FULL_TABLE' },
    [`${SCHEMA}-mid_revoked`]: { 'replication-method': 'FULL_TABLE' },
    [`${SCHEMA}-other`]: { 'replication-method': 'FULL_TABLE' },
  });
  const run = await runTap([], {
    config: readerConfig,
    catalog: streams,
    onSpawn: onFirstOutput(() => sql.unsafe(`REVOKE SELECT ON ${SCHEMA}.mid_revoked FROM tap_reader`).catch(() => undefined)),
  });
  expectOneStreamFailed(run, `${SCHEMA}-mid_revoked`, /42501.*permission denied/);
  expect(run.stderr).not.toMatch(/retry/); // a permanent error is not retried
});

test('a view is read in full every time', async () => {
  const run = await runTap([], { config, catalog: select(catalog, { [`${SCHEMA}-items_view`]: {} }) });
  expect(run.code).toBe(0);
  expect(ids(run, `${SCHEMA}-items_view`)).toHaveLength(100);
  expect(lastState(run.messages)?.bookmarks[`${SCHEMA}-items_view`]).toEqual({ last_replication_method: 'FULL_TABLE', version: expect.any(Number) });
});

test('the reader closing the pipe (EPIPE): quiet non-zero exit, no stack trace', async () => {
  const run = await runTap([], {
    config,
    catalog: itemsOnly(),
    onSpawn: onFirstOutput((child) => child.stdout?.destroy()),
  });
  expect(run.code).not.toBe(0);
  expect(run.code).not.toBeNull();
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.stderr).not.toMatch(/EPIPE.*\n.*EPIPE/);
});
