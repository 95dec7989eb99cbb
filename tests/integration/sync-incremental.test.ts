import type postgres from 'postgres';
import { discover, select, type Catalog } from '../helpers/catalog';
import { adminSql, testConfig } from '../helpers/db';
import { killAfterBytes, seededOffset } from '../helpers/kill';
import { byType, expectValidSingerLines, lastState } from '../helpers/messages';
import { runTap, type TapRun } from '../helpers/run-tap';

const SCHEMA = 'sync_inc';
const ROWS = 50_000;
const config = testConfig({ filter_schemas: [SCHEMA], state_interval: 1000 });
const EVENTS = `${SCHEMA}-events`;
let sql: postgres.Sql;
let catalog: Catalog;

function records(run: TapRun, stream = EVENTS) {
  return byType(run.messages, 'RECORD').filter((m) => m.stream === stream).map((m) => m.record);
}

const incremental = (key: string, stream = EVENTS) => select(catalog, { [stream]: { 'replication-method': 'INCREMENTAL', 'replication-key': key } });

beforeAll(async () => {
  sql = adminSql();
  await sql.unsafe(`
    DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE;
    CREATE SCHEMA ${SCHEMA};
    CREATE TABLE ${SCHEMA}.events (id bigint PRIMARY KEY, payload text, updated_at timestamptz);
    INSERT INTO ${SCHEMA}.events SELECT g, 'p' || g, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 microsecond' FROM generate_series(1, ${ROWS}) g;
    INSERT INTO ${SCHEMA}.events VALUES (-1, 'null key a', NULL), (-2, 'null key b', NULL);
    CREATE TABLE ${SCHEMA}.big (id bigint PRIMARY KEY, n numeric, label text COLLATE "C");
    INSERT INTO ${SCHEMA}.big VALUES (9223372036854775805, 1.5, 'a'), (9223372036854775806, 2.5, 'b'), (9223372036854775807, 12345678901234567890.123456789, 'c');
    CREATE TABLE ${SCHEMA}.plain_ts (id int PRIMARY KEY, ts timestamp);
    INSERT INTO ${SCHEMA}.plain_ts VALUES (1, '2024-05-01 10:00:00.000001'), (2, '2024-05-01 10:00:00.000002'), (3, '2024-05-01 10:00:00.000003');
  `);
  catalog = await discover(config);
});

afterAll(async () => {
  await sql.end();
});

test('first sync: NULL keys first (counted), then key order; bookmark = largest key', async () => {
  const run = await runTap([], { config, catalog: incremental('updated_at') });
  expect(run.code).toBe(0);
  expectValidSingerLines(run.stdout);
  const rows = records(run);
  expect(rows).toHaveLength(ROWS + 2);
  expect(rows.slice(0, 2).map((r) => r.updated_at)).toEqual([null, null]);
  expect(rows[2].updated_at).toBe('2024-01-01T00:00:00.000001+00:00');
  expect(run.stderr).toMatch(/2 row\(s\) with a NULL updated_at/);
  const schema = byType(run.messages, 'SCHEMA')[0];
  expect(schema.bookmark_properties).toEqual(['updated_at']);
  expect(schema.key_properties).toEqual(['id']);
  const bookmark = lastState(run.messages)?.bookmarks[EVENTS];
  expect(bookmark).toEqual({
    last_replication_method: 'INCREMENTAL',
    replication_key: 'updated_at',
    replication_key_value: '2024-01-01T00:00:00.050000+00:00',
    version: expect.any(Number),
  });
  expect(run.messages[run.messages.length - 1].type).toBe('STATE');

  // Nothing changed: only the boundary row (>= is inclusive) comes again.
  const again = await runTap([], { config, catalog: incremental('updated_at'), state: lastState(run.messages) });
  expect(records(again).map((r) => r.id)).toEqual([ROWS]);
  expect(byType(again.messages, 'RECORD')[0].version).toBe(bookmark.version);

  // Inserts and updates: exactly the changed rows (+ the boundary row).
  await sql.unsafe(`
    INSERT INTO ${SCHEMA}.events VALUES (${ROWS + 1}, 'new', '2024-02-01 00:00:00+00');
    UPDATE ${SCHEMA}.events SET payload = 'changed', updated_at = '2024-03-01 00:00:00.123456+00' WHERE id IN (10, 20);
  `);
  const third = await runTap([], { config, catalog: incremental('updated_at'), state: lastState(again.messages) });
  const changed = records(third).map((r) => r.id);
  expect(changed.slice(0, 2)).toEqual([ROWS, ROWS + 1]);
  expect(changed.slice(2).sort()).toEqual([10, 20]);
  expect(lastState(third.messages)?.bookmarks[EVENTS].replication_key_value).toBe('2024-03-01T00:00:00.123456+00:00');
});

test('a future-dated bookmark emits no rows and keeps the bookmark', async () => {
  const state = {
    currently_syncing: null,
    bookmarks: { [EVENTS]: { last_replication_method: 'INCREMENTAL', replication_key: 'updated_at', replication_key_value: '2999-01-01T00:00:00+00:00', version: 1 } },
  };
  const run = await runTap([], { config, catalog: incremental('updated_at'), state });
  expect(run.code).toBe(0);
  expect(records(run)).toHaveLength(0);
  expect(lastState(run.messages)?.bookmarks[EVENTS].replication_key_value).toBe('2999-01-01T00:00:00+00:00');
});

test('bookmarks compare to the microsecond, also for timestamp without time zone', async () => {
  const stream = `${SCHEMA}-plain_ts`;
  const state = {
    bookmarks: { [stream]: { last_replication_method: 'INCREMENTAL', replication_key: 'ts', replication_key_value: '2024-05-01T10:00:00.000002+00:00' } },
  };
  const run = await runTap([], { config, catalog: incremental('ts', stream), state });
  expect(records(run, stream).map((r) => r.id)).toEqual([2, 3]);
});

test('bigint and numeric bookmarks stay digit-exact', async () => {
  const stream = `${SCHEMA}-big`;
  const first = await runTap([], { config, catalog: incremental('id', stream) });
  expect(first.code).toBe(0);
  expect(first.stdout).toContain('"id":9223372036854775807');
  expect(lastState(first.messages)?.bookmarks[stream].replication_key_value).toBe('9223372036854775807');
  const second = await runTap([], { config, catalog: incremental('id', stream), state: lastState(first.messages) });
  expect(second.stdout).toContain('"id":9223372036854775807');
  expect(records(second, stream)).toHaveLength(1);

  const byNumeric = await runTap([], { config, catalog: incremental('n', stream) });
  expect(byNumeric.stdout).toContain('"n":12345678901234567890.123456789');
  const bookmark = lastState(byNumeric.messages)?.bookmarks[stream];
  expect(bookmark.replication_key_value).toBe('12345678901234567890.123456789');
  const next = await runTap([], { config, catalog: incremental('n', stream), state: lastState(byNumeric.messages) });
  expect(records(next, stream)).toHaveLength(1);

  const byText = await runTap([], { config, catalog: incremental('label', stream), state: { bookmarks: { [stream]: { last_replication_method: 'INCREMENTAL', replication_key: 'label', replication_key_value: 'b' } } } });
  expect(records(byText, stream).map((r) => r.label)).toEqual(['b', 'c']);
});

test('a changed replication key resets the bookmark', async () => {
  const state = { bookmarks: { [EVENTS]: { last_replication_method: 'INCREMENTAL', replication_key: 'updated_at', replication_key_value: '2999-01-01T00:00:00+00:00' } } };
  const run = await runTap([], { config, catalog: incremental('id'), state });
  expect(run.stderr).toContain('bookmark reset');
  expect(records(run).length).toBeGreaterThan(ROWS);
});

test('SIGKILL at a random row, then a run with the last STATE: every row arrives', async () => {
  const first = await runTap([], { config, catalog: incremental('id'), onSpawn: killAfterBytes(seededOffset('incremental kill', 100_000, 1_500_000)) });
  expect(first.signal).toBe('SIGKILL');
  const state = lastState(first.messages);
  expect(state?.bookmarks[EVENTS].replication_key_value).toBeGreaterThan(0);
  const second = await runTap([], { config, catalog: incremental('id'), state });
  expect(second.code).toBe(0);
  const all = new Set([...records(first), ...records(second)].map((r) => r.id));
  const [{ count }] = await sql`SELECT count(*)::int AS count FROM sync_inc.events`;
  expect(all.size).toBe(count);
});
