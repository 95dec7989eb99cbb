/**
 * Transient faults are retried within the run: the tap's backend is terminated mid-COPY
 * (pg_terminate_backend, 57P01) and the stream carries on from the last row written, in the same
 * table version; beyond max_retries the run ends with exit 1, the server's reason in one line and
 * a STATE that resumes; a permanent error is not retried.
 */
import type postgres from 'postgres';
import { discover, select, type Catalog } from '../helpers/catalog';
import { adminSql, testConfig } from '../helpers/db';
import { byType, lastState } from '../helpers/messages';
import { runTap, type TapRun } from '../helpers/run-tap';
import { terminateCopies } from '../helpers/terminate';

const SCHEMA = 'faults';
const ROWS = 100_000;
const STREAM = `${SCHEMA}-bulky`;
// One connection per table: these cases are about a single read (tests/integration/sync-slices.test.ts cuts slices).
const config = testConfig({ filter_schemas: [SCHEMA], state_interval: 1000, retry_backoff_seconds: 0.1, max_parallel_slices: 1 });
let sql: postgres.Sql;
let catalog: Catalog;
/** Heap page of every id, read once (nothing writes the table). */
const pageOf = new Map<number, number>();

function ids(run: TapRun): number[] {
  return byType(run.messages, 'RECORD').filter((m) => m.stream === STREAM).map((m) => m.record.id as number);
}

function duplicates(values: number[]): number[] {
  const seen = new Set<number>();
  const twice = new Set<number>();
  for (const value of values) (seen.has(value) ? twice : seen).add(value);
  return [...twice];
}

const fullTable = () => select(catalog, { [STREAM]: { 'replication-method': 'FULL_TABLE' } });
const incremental = () => select(catalog, { [STREAM]: { 'replication-method': 'INCREMENTAL', 'replication-key': 'id' } });

beforeAll(async () => {
  sql = adminSql();
  await sql.unsafe(`
    DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE;
    CREATE SCHEMA ${SCHEMA};
    CREATE TABLE ${SCHEMA}.bulky (id int PRIMARY KEY, pad text);
    INSERT INTO ${SCHEMA}.bulky SELECT g, repeat(md5(g::text), 10) FROM generate_series(1, ${ROWS}) g;
    GRANT USAGE ON SCHEMA ${SCHEMA} TO tap_reader;
    GRANT SELECT ON ${SCHEMA}.bulky TO tap_reader;
  `);
  for (const row of await sql`SELECT id, (ctid::text::point)[0]::int AS page FROM ${sql(SCHEMA)}.bulky`) pageOf.set(row.id, row.page);
  catalog = await discover(config);
});

afterAll(async () => {
  await sql.end();
});

/**
 * What the tap can say about a terminated backend: the server's code and message — unless the
 * backend was blocked sending rows to the tap at that moment, when PostgreSQL drops the message
 * (it would block again) and only the closed connection tells.
 */
const TERMINATED = '(57P01: terminating connection due to administrator command|the connection to the server was lost \\(CONNECTION_CLOSED [^)]+\\))';

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs the tap while another session holds ACCESS EXCLUSIVE on the table; `whileLocked` decides when to let go. */
async function runBehindLock(appName: string, overrides: Record<string, unknown>, whileLocked: () => Promise<void>): Promise<TapRun> {
  const locker = adminSql();
  try {
    let running: Promise<TapRun> | undefined;
    await locker.begin(async (tx) => {
      await tx.unsafe(`LOCK TABLE ${SCHEMA}.bulky IN ACCESS EXCLUSIVE MODE`);
      running = runTap([], { config: { ...config, application_name: appName, ...overrides }, catalog: fullTable() });
      await waitFor(async () => {
        const [row] = await sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ${appName} AND wait_event_type = 'Lock'`;
        return row.n > 0;
      }, 'the tap to wait for the lock');
      await whileLocked();
    });
    return await (running as Promise<TapRun>);
  } finally {
    await locker.end();
  }
}

function expectOneRetry(run: TapRun): void {
  expect(run.stderr).toMatch(new RegExp(`WARN .*faults-bulky: ${TERMINATED}; retry 1 of 5 in 0\\.1 s`));
  expect(run.stderr).not.toMatch(/retry 2 of/);
  expect(run.stderr).not.toMatch(/ERROR/);
}

test('FULL_TABLE: a backend terminated mid-COPY is resumed from the page of the last row written, same version', async () => {
  const appName = 'tap-faults-full-once';
  const cut = terminateCopies(sql, appName, { everyBytes: 3_000_000, times: 1 });
  const run = await runTap([], { config: { ...config, application_name: appName }, catalog: fullTable(), onSpawn: cut.hook });
  expect(cut.count()).toBe(1);
  expect(run.code).toBe(0);
  expectOneRetry(run);
  const got = ids(run);
  expect(new Set(got).size).toBe(ROWS);
  // Rows come twice only from the one page the read resumed at.
  const again = duplicates(got);
  expect(new Set(again.map((id) => pageOf.get(id))).size).toBeLessThanOrEqual(1);
  expect(got.length - ROWS).toBe(again.length);
  const versions = new Set(byType(run.messages, 'RECORD').map((m) => m.version));
  expect(versions.size).toBe(1);
  expect(byType(run.messages, 'ACTIVATE_VERSION').every((m) => versions.has(m.version))).toBe(true);
  expect(lastState(run.messages)?.bookmarks[STREAM]).toEqual({ last_replication_method: 'FULL_TABLE', version: [...versions][0] });
});

test('INCREMENTAL: a backend terminated mid-COPY is resumed from the last key written (>=), same version', async () => {
  const appName = 'tap-faults-incremental-once';
  const cut = terminateCopies(sql, appName, { everyBytes: 3_000_000, times: 1 });
  const run = await runTap([], { config: { ...config, application_name: appName }, catalog: incremental(), onSpawn: cut.hook });
  expect(cut.count()).toBe(1);
  expect(run.code).toBe(0);
  expectOneRetry(run);
  const got = ids(run);
  expect(new Set(got).size).toBe(ROWS);
  // Only the last key written comes again.
  expect(got.length - ROWS).toBeLessThanOrEqual(1);
  expect(new Set(byType(run.messages, 'RECORD').map((m) => m.version)).size).toBe(1);
  expect(lastState(run.messages)?.bookmarks[STREAM]).toMatchObject({ replication_key: 'id', replication_key_value: ROWS });
});

test.each([
  ['FULL_TABLE', fullTable],
  ['INCREMENTAL', incremental],
])('%s: terminated beyond max_retries: exit 1, the server\'s reason in the stream\'s line, the summary, and the STATE resumes', async (method, streams) => {
  const appName = `tap-faults-${method.toLowerCase()}-always`;
  const cut = terminateCopies(sql, appName, { everyBytes: 1_000_000 });
  const run = await runTap([], { config: { ...config, application_name: appName, max_retries: 2 }, catalog: streams(), onSpawn: cut.hook });
  expect(run.code).toBe(1);
  // (A backend still on its way out may be counted twice.)
  expect(cut.count()).toBeGreaterThanOrEqual(3);
  const errors = run.stderr.split('\n').filter((line) => line.includes('ERROR'));
  expect(errors).toHaveLength(2);
  expect(errors[0]).toMatch(new RegExp(`${STREAM} failed: ${TERMINATED} \\(still failing after 2 retries\\)`));
  expect(errors[1]).toMatch(new RegExp(`STREAMS_FAILED: 1 of 1 stream\\(s\\) failed: ${STREAM}; the last STATE resumes them$`));
  expect(run.stderr).toMatch(/retry 1 of 2 in 0\.1 s/);
  expect(run.stderr).toMatch(/retry 2 of 2 in 0\.2 s/);
  expect(run.stderr).not.toContain('Cannot read properties');
  expect(run.messages[run.messages.length - 1].type).toBe('STATE');
  const state = lastState(run.messages);
  const version = state?.bookmarks[STREAM].version;
  const resumed = await runTap([], { config, catalog: streams(), state });
  expect(resumed.code).toBe(0);
  expect(ids(resumed).length).toBeLessThan(ROWS);
  expect(new Set([...ids(run), ...ids(resumed)]).size).toBe(ROWS);
  expect(new Set(byType(resumed.messages, 'RECORD').map((m) => m.version))).toEqual(new Set([version]));
});

test('a permanent error after a transient one is not retried', async () => {
  const appName = 'tap-faults-permanent';
  const cut = terminateCopies(sql, appName, {
    everyBytes: 1_000_000,
    times: 1,
    alsoBefore: () => sql.unsafe(`REVOKE SELECT ON ${SCHEMA}.bulky FROM tap_reader`),
  });
  try {
    const run = await runTap([], { config: { ...config, user: 'tap_reader', application_name: appName }, catalog: fullTable(), onSpawn: cut.hook });
    expect(cut.count()).toBe(1);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/retry 1 of 5/);
    expect(run.stderr).not.toMatch(/retry 2 of/);
    expect(run.stderr).toMatch(/ERROR .*faults-bulky failed: 42501: permission denied for table bulky/);
  } finally {
    await sql.unsafe(`GRANT SELECT ON ${SCHEMA}.bulky TO tap_reader`);
  }
});

test('the server\'s code and message reach the error line: a COPY terminated while it waits for a lock', async () => {
  const appName = 'tap-faults-reason';
  const run = await runBehindLock(appName, { lock_timeout: 0, max_retries: 0 }, async () => {
    await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${appName} AND wait_event_type = 'Lock'`;
  });
  expect(run.code).toBe(1);
  const errors = run.stderr.split('\n').filter((line) => line.includes('ERROR'));
  expect(errors).toHaveLength(2);
  expect(errors[0]).toMatch(/ERROR faults-bulky failed: 57P01: terminating connection due to administrator command; the last STATE written resumes it/);
  expect(errors[1]).toMatch(/ERROR STREAMS_FAILED: 1 of 1 stream\(s\) failed: faults-bulky; the last STATE resumes them$/);
  expect(run.stderr).not.toMatch(/retry/);
  expect(lastState(run.messages)?.currently_syncing).toBe(STREAM);
});

test('lock_timeout: a lock wait longer than it fails the statement, which is retried until the lock is gone', async () => {
  const appName = 'tap-faults-lock-timeout';
  const run = await runBehindLock(appName, { lock_timeout: 200 }, () => new Promise((resolve) => setTimeout(resolve, 1000)));
  expect(run.code).toBe(0);
  expect(run.stderr).toMatch(/WARN .*faults-bulky: 55P03: canceling statement due to lock timeout; retry 1 of 5 in 0\.1 s/);
  expect(new Set(ids(run)).size).toBe(ROWS);
});
