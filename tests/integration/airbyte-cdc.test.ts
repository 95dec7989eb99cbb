/**
 * The Airbyte connector in CDC mode (replication_method CDC) against the harness cluster:
 * discover marks what CDC can read, read snapshots then streams only new changes, with
 * `_ab_cdc_*` columns and one GLOBAL state; a saved position the slot no longer holds fails the
 * sync or re-reads the table, as configured.
 */
import type postgres from 'postgres';
import {
  airbyteConfig, configure, discoverAirbyte, expectRecordsMatchCatalog, expectValidAirbyteLines, nextState, ofType,
  recordsOf, runSource, statuses, type Message,
} from '../helpers/airbyte';
import { adminSql } from '../helpers/db';

const SCHEMA = 'ab_cdc';
const SLOT = 'ab_cdc_slot';
const PUBLICATION = 'ab_cdc_pub';
// As pasted from Airbyte's source-postgres: every CDC key at its usual value, TLS, JDBC parameters.
const method = {
  method: 'CDC', plugin: 'pgoutput', replication_slot: SLOT, publication: PUBLICATION, initial_waiting_seconds: 300, queue_size: 10000,
  lsn_commit_behaviour: 'After loading Data in the destination', heartbeat_action_query: '', invalid_cdc_cursor_position_behavior: 'Fail sync',
  initial_load_timeout_hours: 8,
};
const config = airbyteConfig({
  schemas: [SCHEMA], replication_method: method, ssl_mode: { mode: 'require' }, jdbc_url_params: 'connectTimeout=30', tunnel_method: { tunnel_method: 'NO_TUNNEL' },
});
let sql: postgres.Sql;
let catalog: { streams: Array<Record<string, any>> };

beforeAll(async () => {
  sql = adminSql();
  await sql.unsafe(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '${SLOT}'`);
  await sql.unsafe(`
    DROP PUBLICATION IF EXISTS ${PUBLICATION}; DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA};
    CREATE TABLE ${SCHEMA}.items (id int PRIMARY KEY, v text);
    INSERT INTO ${SCHEMA}.items SELECT g, 'v' || g FROM generate_series(1, 100) g;
    CREATE TABLE ${SCHEMA}.nopk (n int);
    INSERT INTO ${SCHEMA}.nopk VALUES (1), (2);
    CREATE TABLE ${SCHEMA}.unpublished (id int PRIMARY KEY);
    CREATE PUBLICATION ${PUBLICATION} FOR TABLE ${SCHEMA}.items, ${SCHEMA}.nopk;
  `);
  await sql.unsafe(`SELECT pg_create_logical_replication_slot('${SLOT}', 'pgoutput')`);
  catalog = await discoverAirbyte(config);
});

afterAll(async () => {
  for (let i = 0; i < 50; i += 1) {
    const [row] = await sql`SELECT active FROM pg_replication_slots WHERE slot_name = ${SLOT}`;
    if (!row?.active) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await sql.unsafe(`SELECT pg_drop_replication_slot('${SLOT}')`);
  await sql.unsafe(`DROP PUBLICATION ${PUBLICATION}; DROP SCHEMA ${SCHEMA} CASCADE;`);
  await sql.end();
});

const streamOf = (name: string) => catalog.streams.find((s) => s.name === name) as Record<string, any>;
const chosen = () => configure(catalog, { items: { sync_mode: 'incremental', destination_sync_mode: 'append_dedup', primary_key: [['id']] }, nopk: { sync_mode: 'full_refresh' } });

async function read(state?: unknown, overrides: Record<string, unknown> = {}): Promise<Message[]> {
  const run = await runSource(['read'], { config: { ...config, ...overrides }, catalog: chosen(), state });
  if (run.code !== 0) throw new Error(`read exited ${run.code}: ${run.stdout.slice(-2000)}`);
  expect(run.stderr).toBe('');
  expectValidAirbyteLines(run.stdout);
  expectRecordsMatchCatalog(run.messages, catalog);
  return run.messages;
}

test('discover: incremental (source-defined cursor _ab_cdc_lsn) only for published tables with a key', () => {
  expect(streamOf('items')).toMatchObject({ supported_sync_modes: ['full_refresh', 'incremental'], source_defined_cursor: true, default_cursor_field: ['_ab_cdc_lsn'], is_resumable: true });
  expect(Object.keys(streamOf('items').json_schema.properties)).toEqual(['id', 'v', '_ab_cdc_lsn', '_ab_cdc_updated_at', '_ab_cdc_deleted_at']);
  expect(streamOf('nopk')).toMatchObject({ supported_sync_modes: ['full_refresh'], source_defined_cursor: false });
  expect(streamOf('unpublished').supported_sync_modes).toEqual(['full_refresh']);
});

test('read → changes → read: a snapshot first, then only the new changes; GLOBAL state with the shared LSN', async () => {
  const first = await read();
  const snapshot = recordsOf(first, 'items');
  expect(snapshot).toHaveLength(100);
  expect(snapshot[0]).toMatchObject({ id: 1, v: 'v1', _ab_cdc_deleted_at: null, _ab_cdc_lsn: expect.any(Number), _ab_cdc_updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/) });
  expect(recordsOf(first, 'nopk')).toEqual([{ n: 1 }, { n: 2 }]);
  const states = ofType(first, 'STATE');
  expect(states.every((m) => m.state.type === 'GLOBAL')).toBe(true);
  expect(states.reduce((sum, m) => sum + m.state.sourceStats.recordCount, 0)).toBe(102);
  const state1 = nextState(first);
  expect(state1).toHaveLength(1);
  const itemsState = state1[0].global.stream_states.find((s: Message) => s.stream_descriptor.name === 'items').stream_state;
  expect(state1[0].global.shared_state).toEqual({ lsn: itemsState.lsn });
  expect(statuses(first, 'items')).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);
  expect(statuses(first, 'nopk')).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);

  await sql.unsafe(`INSERT INTO ${SCHEMA}.items VALUES (101, 'new'), (102, 'newer'); UPDATE ${SCHEMA}.items SET v = 'changed' WHERE id = 5; DELETE FROM ${SCHEMA}.items WHERE id = 7;`);
  const second = await read(state1);
  const changes = recordsOf(second, 'items');
  expect(changes.map((r) => [r.id, r.v ?? null, r._ab_cdc_deleted_at === null ? 'live' : 'deleted'])).toEqual([
    [101, 'new', 'live'], [102, 'newer', 'live'], [5, 'changed', 'live'], [7, null, 'deleted'],
  ]);
  const deleted = changes[3];
  expect(deleted._ab_cdc_deleted_at).toBe(deleted._ab_cdc_updated_at);
  // Each change's own WAL position: after the snapshot's (the first may sit exactly at it).
  expect(changes.every((r) => r._ab_cdc_lsn >= snapshot[0]._ab_cdc_lsn)).toBe(true);
  expect(new Set(changes.map((r) => r._ab_cdc_lsn)).size).toBe(4);
  expect(recordsOf(second, 'nopk')).toHaveLength(2); // full refresh: all rows, every time

  const third = await read(nextState(second));
  expect(recordsOf(third, 'items')).toEqual([]);

  // state1 is older than what the slot holds now (the third read confirmed state2).
  const stale = await runSource(['read'], { config, catalog: chosen(), state: state1 });
  expect(stale.code).not.toBe(0);
  expectValidAirbyteLines(stale.stdout);
  expect(stale.messages).toHaveLength(1);
  expect(stale.messages[0].trace.error).toMatchObject({ failure_type: 'config_error', message: expect.stringMatching(/saved position .* of stream ab_cdc\.items is older than what slot ab_cdc_slot still holds.*Re-sync data/) });
  const resync = await read(state1, { replication_method: { ...method, invalid_cdc_cursor_position_behavior: 'Re-sync data' } });
  expect(recordsOf(resync, 'items').filter((r) => r._ab_cdc_deleted_at === null).length).toBeGreaterThanOrEqual(101);
});
