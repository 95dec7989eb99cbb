/**
 * Server settings that must not cut or change an extraction. A role carries what production
 * roles often carry (statement_timeout and idle_in_transaction_session_timeout of 100 ms, a
 * 1 ms lock_timeout) and every output setting the value converter depends on set otherwise
 * (DateStyle, IntervalStyle, extra_float_digits, bytea_output, TimeZone) plus
 * default_transaction_read_only: the tap's sessions override them at start-up, long COPYs run
 * to the end and the values are byte for byte those of a session with the defaults.
 */
import type postgres from 'postgres';
import { loadConfig } from '../../lib/config/load-config';
import { connect } from '../../lib/db/connect';
import { discover, select, type Catalog } from '../helpers/catalog';
import { adminSql, testConfig } from '../helpers/db';
import { onFirstOutput } from '../helpers/kill';
import { byType, lastState } from '../helpers/messages';
import { runTap, type TapRun } from '../helpers/run-tap';

const SCHEMA = 'settings';
const ROLE = 'tap_hostile_settings';
const ROWS = 300_000;
const BIG = `${SCHEMA}-big`;
const ALL_TYPES = 'tap_fixture-all_types';
const ROLE_SETTINGS: Record<string, string> = {
  statement_timeout: '100ms',
  idle_in_transaction_session_timeout: '100ms',
  lock_timeout: '1ms',
  DateStyle: 'SQL, DMY',
  IntervalStyle: 'postgres_verbose',
  extra_float_digits: '-15',
  bytea_output: 'escape',
  TimeZone: 'Asia/Kathmandu',
  default_transaction_read_only: 'on',
};
const hostile = testConfig({ user: ROLE, filter_schemas: [SCHEMA, 'tap_fixture'], state_interval: 10_000 });
let sql: postgres.Sql;
let catalog: Catalog;

beforeAll(async () => {
  sql = adminSql();
  await sql.unsafe(`
    DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '${ROLE}') THEN CREATE ROLE ${ROLE} LOGIN; END IF;
    END $$;
    DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE;
    CREATE SCHEMA ${SCHEMA};
    CREATE TABLE ${SCHEMA}.big (id int PRIMARY KEY, v text);
    INSERT INTO ${SCHEMA}.big SELECT g, 'value ' || g FROM generate_series(1, ${ROWS}) g;
    GRANT USAGE ON SCHEMA ${SCHEMA}, tap_fixture TO ${ROLE};
    GRANT SELECT ON ${SCHEMA}.big, tap_fixture.all_types TO ${ROLE};
  `);
  for (const [name, value] of Object.entries(ROLE_SETTINGS)) await sql.unsafe(`ALTER ROLE ${ROLE} SET ${name} = '${value}'`);
  catalog = await discover(hostile);
});

afterAll(async () => {
  await sql.end();
});

function ids(run: TapRun): Set<number> {
  return new Set(byType(run.messages, 'RECORD').filter((m) => m.stream === BIG).map((m) => m.record.id as number));
}

/** Stops reading the tap's stdout for `ms` once it starts writing: its COPY then runs at least that long. */
const stallReader = (ms: number) => onFirstOutput((child) => {
  child.stdout?.pause();
  setTimeout(() => child.stdout?.resume(), ms);
});

test('the role really has the settings (a plain session as the role sees them)', async () => {
  const plain = adminSql();
  try {
    const [row] = await plain`SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = ${ROLE} AND s.setdatabase = 0`;
    expect(row.setconfig).toEqual(expect.arrayContaining(['statement_timeout=100ms', 'idle_in_transaction_session_timeout=100ms', 'default_transaction_read_only=on']));
  } finally {
    await plain.end();
  }
});

test.each([
  ['FULL_TABLE', {}],
  ['INCREMENTAL', { 'replication-key': 'id' }],
])('%s: a role statement_timeout of 100 ms does not cut a COPY that runs for over a second', async (method, extra) => {
  const streams = select(catalog, { [BIG]: { 'replication-method': method, ...extra } });
  const started = Date.now();
  const run = await runTap([], { config: hostile, catalog: streams, onSpawn: stallReader(1200) });
  expect(Date.now() - started).toBeGreaterThan(1000);
  expect(run.stderr).not.toMatch(/ERROR|WARN/);
  expect(run.code).toBe(0);
  expect(ids(run).size).toBe(ROWS);
  expect(lastState(run.messages)?.currently_syncing).toBeNull();
  if (method === 'INCREMENTAL') {
    // The bookmark travels through a session setting: allowed under default_transaction_read_only.
    const again = await runTap([], { config: hostile, catalog: streams, state: lastState(run.messages) });
    expect(again.code).toBe(0);
    expect([...ids(again)]).toEqual([ROWS]);
  }
});

test('a statement_timeout set in the config is the user\'s limit: applied, and not retried', async () => {
  const streams = select(catalog, { [BIG]: { 'replication-method': 'FULL_TABLE' } });
  // 1 s: long enough for the catalog queries on a busy machine, far shorter than the stalled COPY.
  const run = await runTap([], { config: { ...hostile, statement_timeout: 1000 }, catalog: streams, onSpawn: stallReader(3000) });
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/ERROR .*settings-big failed: 57014: canceling statement due to statement timeout/);
  expect(run.stderr).not.toMatch(/retry/);
});

test('every value is written exactly as under the default settings', async () => {
  const streams = select(catalog, { [ALL_TYPES]: { 'replication-method': 'FULL_TABLE' } });
  const records = (run: TapRun) => byType(run.messages, 'RECORD').map((m) => m.record);
  const asRole = await runTap([], { config: hostile, catalog: streams });
  const asAdmin = await runTap([], { config: testConfig({ filter_schemas: ['tap_fixture'] }), catalog: streams });
  expect(asRole.code).toBe(0);
  expect(asAdmin.code).toBe(0);
  expect(records(asRole).length).toBeGreaterThan(2);
  expect(records(asRole)).toEqual(records(asAdmin));
  // The raw lines too (key order, number forms), but for time_extracted and version.
  const lines = (run: TapRun) => run.stdout.split('\n').filter((line) => line.startsWith('{"type":"RECORD"'))
    .map((line) => line.replace(/,"version":\d+/, '').replace(/,"time_extracted":"[^"]+"/, ''));
  expect(lines(asRole)).toEqual(lines(asAdmin));
});

describe('the session the tap opens as that role', () => {
  const open = (overrides: Record<string, unknown> = {}) => connect(loadConfig([{ ...hostile, ...overrides }], {}), { max: 1 });

  it('runs with the tap\'s settings, not the role\'s', async () => {
    const session = open();
    try {
      const [row] = await session`
        SELECT current_setting('statement_timeout') AS st, current_setting('idle_in_transaction_session_timeout') AS idle,
               current_setting('lock_timeout') AS lt, current_setting('DateStyle') AS ds, current_setting('IntervalStyle') AS iv,
               current_setting('extra_float_digits') AS efd, current_setting('bytea_output') AS bo, current_setting('TimeZone') AS tz,
               current_setting('default_transaction_read_only') AS ro`;
      expect(row).toEqual({ st: '0', idle: '0', lt: '10s', ds: 'ISO, YMD', iv: 'iso_8601', efd: '1', bo: 'hex', tz: 'UTC', ro: 'on' });
    } finally {
      await session.end({ timeout: 1 });
    }
  });

  it('stays in a transaction longer than the role\'s idle_in_transaction_session_timeout', async () => {
    const session = open();
    try {
      const result = await session.begin(async (tx) => {
        await tx`SELECT 1`;
        await new Promise((resolve) => setTimeout(resolve, 400));
        const [row] = await tx`SELECT 2 AS two`;
        return row.two;
      });
      expect(result).toBe(2);
    } finally {
      await session.end({ timeout: 1 });
    }
  });

  it('takes the timeouts of the config', async () => {
    const session = open({ statement_timeout: 60000, lock_timeout: 0, idle_in_transaction_session_timeout: 5000 });
    try {
      const [row] = await session`
        SELECT current_setting('statement_timeout') AS st, current_setting('lock_timeout') AS lt,
               current_setting('idle_in_transaction_session_timeout') AS idle`;
      expect(row).toEqual({ st: '1min', lt: '0', idle: '5s' });
    } finally {
      await session.end({ timeout: 1 });
    }
  });
});
