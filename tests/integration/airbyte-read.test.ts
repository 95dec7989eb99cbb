/**
 * `discover` and `read` (Standard method) of the Airbyte connector against the harness cluster:
 * every line valid, records typed as discovered, per-stream STATE with record counts, stream
 * statuses and estimates, column selection, and read → state → read.
 */
import type postgres from 'postgres';
import {
  airbyteConfig, configure, discoverAirbyte, expectRecordsMatchCatalog, expectValidAirbyteLines, nextState, ofType,
  recordsOf, runSource, statuses, traces, type Message,
} from '../helpers/airbyte';
import { adminSql } from '../helpers/db';

const SCHEMA = 'ab_read';
const ROWS = 25_000;
const config = airbyteConfig({ schemas: [SCHEMA] });
let sql: postgres.Sql;
let catalog: { streams: Array<Record<string, any>> };

beforeAll(async () => {
  sql = adminSql();
  await sql.unsafe(`
    DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE;
    CREATE SCHEMA ${SCHEMA};
    CREATE TABLE ${SCHEMA}.items (id bigint PRIMARY KEY, name text, amount numeric(20,4), updated_at timestamptz NOT NULL,
      local_ts timestamp, day date, at_time time, flag boolean, tags text[], doc jsonb, small smallint);
    INSERT INTO ${SCHEMA}.items SELECT g, 'item ' || g, g * 1.25, timestamptz '2024-01-01' + g * interval '1 second',
      timestamp '2024-01-01 12:00' + g * interval '1 minute', date '2024-01-01' + (g % 300), time '10:11:12.5', g % 2 = 0,
      ARRAY['a', 'b' || g], jsonb_build_object('n', g), (g % 100)::smallint FROM generate_series(1, ${ROWS}) g;
    CREATE TABLE ${SCHEMA}.notes (body jsonb);
    INSERT INTO ${SCHEMA}.notes VALUES ('{"a":1}'), (NULL);
    CREATE VIEW ${SCHEMA}.recent AS SELECT id, name FROM ${SCHEMA}.items WHERE id <= 5;
    ANALYZE ${SCHEMA}.items;
  `);
  catalog = await discoverAirbyte(config);
});

afterAll(async () => {
  await sql.unsafe(`DROP SCHEMA ${SCHEMA} CASCADE`);
  await sql.end();
});

const stream = (name: string) => catalog.streams.find((s) => s.name === name) as Record<string, any>;

test('discover: one stream per relation, named by table, namespaced by schema, typed in Airbyte form', () => {
  expect(catalog.streams.map((s) => `${s.namespace}.${s.name}`)).toEqual([`${SCHEMA}.items`, `${SCHEMA}.notes`, `${SCHEMA}.recent`]);
  const items = stream('items');
  expect(items.json_schema.properties).toMatchObject({
    id: { type: 'number', airbyte_type: 'integer' },
    small: { type: ['null', 'number'], airbyte_type: 'integer' },
    amount: { type: ['null', 'number'] },
    updated_at: { type: 'string', format: 'date-time', airbyte_type: 'timestamp_with_timezone' },
    day: { type: ['null', 'string'], format: 'date' },
    at_time: { type: ['null', 'string'], format: 'time', airbyte_type: 'time_without_timezone' },
    flag: { type: ['null', 'boolean'] },
    tags: { type: ['null', 'array'], items: { type: ['null', 'string'] } },
    doc: { type: ['null', 'string'] },
  });
  expect(items).toMatchObject({
    supported_sync_modes: ['full_refresh', 'incremental'],
    source_defined_cursor: false,
    default_cursor_field: ['updated_at'],
    source_defined_primary_key: [['id']],
    is_resumable: true,
  });
  expect(stream('notes')).toMatchObject({ supported_sync_modes: ['full_refresh'], source_defined_primary_key: [], default_cursor_field: [], is_resumable: true });
  expect(stream('recent')).toMatchObject({ source_defined_primary_key: [], is_resumable: true });
  expect(stream('recent').json_schema.properties).not.toHaveProperty('_ab_cdc_lsn');
});

function expectCountsMatch(messages: Message[], name: string): void {
  const counted = ofType(messages, 'STATE')
    .filter((m) => m.state.stream.stream_descriptor.name === name)
    .reduce((sum, m) => sum + m.state.sourceStats.recordCount, 0);
  expect(counted).toBe(recordsOf(messages, name).length);
}

test('read: full_refresh and incremental streams; statuses, estimates, per-stream STATE with record counts', async () => {
  const before = Date.now();
  const configured = configure(catalog, {
    items: { sync_mode: 'incremental', cursor_field: ['updated_at'], destination_sync_mode: 'append_dedup', primary_key: [['id']] },
    notes: { sync_mode: 'full_refresh', destination_sync_mode: 'overwrite' },
  });
  const run = await runSource(['read'], { config, catalog: configured });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expectValidAirbyteLines(run.stdout);
  expectRecordsMatchCatalog(run.messages, catalog);
  const items = recordsOf(run.messages, 'items');
  expect(items).toHaveLength(ROWS);
  expect(items[0]).toEqual({
    id: 1, name: 'item 1', amount: 1.25, updated_at: '2024-01-01T00:00:01.000000+00:00', local_ts: '2024-01-01T12:01:00.000000+00:00',
    day: '2024-01-02', at_time: '10:11:12.5', flag: false, tags: ['a', 'b1'], doc: '{"n": 1}', small: 1,
  });
  expect(recordsOf(run.messages, 'notes')).toEqual([{ body: '{"a": 1}' }, { body: null }]);
  for (const record of ofType(run.messages, 'RECORD')) {
    expect(record.record.namespace).toBe(SCHEMA);
    expect(record.record.emitted_at).toBeGreaterThanOrEqual(before);
    expect(record.record.emitted_at).toBeLessThanOrEqual(Date.now());
  }
  expect(statuses(run.messages, 'items')).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);
  expect(statuses(run.messages, 'notes')).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);
  const types = run.messages.map((m) => (m.type === 'TRACE' ? `${m.trace.type}:${m.trace.stream_status?.status ?? ''}` : m.type));
  expect(types.indexOf('ESTIMATE:')).toBeLessThan(types.indexOf('RECORD'));
  const estimate = traces(run.messages, 'ESTIMATE').find((t) => t.estimate.name === 'items')?.estimate;
  expect(estimate).toMatchObject({ namespace: SCHEMA, type: 'STREAM', row_estimate: ROWS });
  expect(estimate.byte_estimate).toBeGreaterThan(ROWS * 20);
  expectCountsMatch(run.messages, 'items');
  expectCountsMatch(run.messages, 'notes');
  const states = nextState(run.messages);
  expect(states.every((s) => s.type === 'STREAM')).toBe(true);
  const itemsState = states.find((s) => s.stream.stream_descriptor.name === 'items');
  expect(itemsState?.stream.stream_state).toMatchObject({ replication_key: 'updated_at', replication_key_value: '2024-01-01T06:56:40.000000+00:00' });
  // The last message of a stream's run is its COMPLETE; the run ends with the last stream's.
  expect(run.messages[run.messages.length - 1].trace.stream_status).toMatchObject({ status: 'COMPLETE' });
});

test('read: only the columns in the configured json_schema (the key always)', async () => {
  const items = structuredClone(stream('items'));
  items.json_schema.properties = { amount: items.json_schema.properties.amount };
  const run = await runSource(['read'], { config, catalog: { streams: [{ stream: items, sync_mode: 'full_refresh', destination_sync_mode: 'overwrite' }] } });
  expect(run.code).toBe(0);
  expect(recordsOf(run.messages, 'items')[4]).toEqual({ id: 5, amount: 6.25 });
});

test('read → state → read: the second read sends the new rows (and the rows holding the saved cursor value), nothing older', async () => {
  const configured = configure(catalog, { items: { sync_mode: 'incremental', cursor_field: ['id'] } });
  const first = await runSource(['read'], { config, catalog: configured });
  expect(first.code).toBe(0);
  await sql.unsafe(`INSERT INTO ${SCHEMA}.items (id, updated_at) SELECT g, now() FROM generate_series(${ROWS + 1}, ${ROWS + 3}) g`);
  try {
    const second = await runSource(['read'], { config, catalog: configured, state: nextState(first.messages) });
    expect(second.code).toBe(0);
    expectValidAirbyteLines(second.stdout);
    expect(recordsOf(second.messages, 'items').map((r) => r.id)).toEqual([ROWS, ROWS + 1, ROWS + 2, ROWS + 3]);
    expect(traces(second.messages, 'ESTIMATE')).toEqual([]); // it does not read the whole table
    const third = await runSource(['read'], { config, catalog: configured, state: nextState(second.messages) });
    expect(recordsOf(third.messages, 'items').map((r) => r.id)).toEqual([ROWS + 3]);
    // The old Singer wrapper's LEGACY blob (the Singer state itself) is accepted too.
    const legacy = { type: 'LEGACY', data: { bookmarks: { [`${SCHEMA}-items`]: nextState(second.messages)[0].stream.stream_state } } };
    const fromLegacy = await runSource(['read'], { config, catalog: configured, state: [legacy] });
    expect(recordsOf(fromLegacy.messages, 'items').map((r) => r.id)).toEqual([ROWS + 3]);
  } finally {
    await sql.unsafe(`DELETE FROM ${SCHEMA}.items WHERE id > ${ROWS}`);
  }
});

test('read: a pasted source-postgres config (TLS, jdbc_url_params, Standard, no tunnel) works unchanged', async () => {
  const pasted = airbyteConfig({
    schemas: [SCHEMA],
    jdbc_url_params: 'connectTimeout=20&ApplicationName=airbyte-pasted',
    ssl_mode: { mode: 'require' },
    replication_method: { method: 'Standard' },
    tunnel_method: { tunnel_method: 'NO_TUNNEL' },
  });
  const configured = configure(catalog, { recent: { sync_mode: 'full_refresh' } });
  const run = await runSource(['read'], { config: pasted, catalog: configured });
  expect(run.code).toBe(0);
  expectValidAirbyteLines(run.stdout);
  expect(recordsOf(run.messages, 'recent').map((r) => r.id)).toEqual([1, 2, 3, 4, 5]);
});
