/**
 * Failures of the Airbyte connector: bad command line, config, catalog or state → one ERROR trace
 * (config_error) and a non-zero exit, nothing else; a stream failing mid-run → its INCOMPLETE
 * status, then the ERROR trace naming it, with the failure_type of the cause.
 */
import type postgres from 'postgres';
import { airbyteConfig, configure, discoverAirbyte, expectValidAirbyteLines, recordsOf, runSource, statuses } from '../helpers/airbyte';
import { adminSql } from '../helpers/db';
import { onFirstOutput } from '../helpers/kill';

const SCHEMA = 'ab_err';
const config = airbyteConfig({ schemas: [SCHEMA] });
let sql: postgres.Sql;
let catalog: { streams: Array<Record<string, any>> };

beforeAll(async () => {
  sql = adminSql();
  await sql.unsafe(`
    DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA};
    CREATE TABLE ${SCHEMA}.a (id int PRIMARY KEY); INSERT INTO ${SCHEMA}.a SELECT generate_series(1, 3);
    CREATE TABLE ${SCHEMA}.b (id int PRIMARY KEY, payload text);
    INSERT INTO ${SCHEMA}.b SELECT g, repeat('y', 200) FROM generate_series(1, 200000) g;
    CREATE TABLE ${SCHEMA}.docs (doc jsonb);
    -- A view whose reading fails part-way with insufficient_privilege, as a revoked grant would.
    CREATE FUNCTION ${SCHEMA}.checked(id int) RETURNS int LANGUAGE plpgsql AS $$
      BEGIN IF id = 150000 THEN RAISE EXCEPTION 'permission denied for table secret' USING ERRCODE = '42501'; END IF; RETURN id; END $$;
    CREATE VIEW ${SCHEMA}.guarded AS SELECT ${SCHEMA}.checked(id) AS id, payload FROM ${SCHEMA}.b;
  `);
  catalog = await discoverAirbyte(config);
});

afterAll(async () => {
  await sql.unsafe(`DROP SCHEMA ${SCHEMA} CASCADE`);
  await sql.end();
});

async function expectConfigError(args: string[], files: Parameters<typeof runSource>[1], message: RegExp): Promise<void> {
  const run = await runSource(args, files);
  expect(run.code).toBe(2);
  expect(run.stderr).toBe('');
  expectValidAirbyteLines(run.stdout);
  expect(run.messages).toHaveLength(1);
  expect(run.messages[0].trace.error.failure_type).toBe('config_error');
  expect(run.messages[0].trace.error.message).toMatch(message);
}

const aOnly = () => configure(catalog, { a: { sync_mode: 'full_refresh' } });

test.each([
  ['no command', [], {}, /no command given; usage: source-postgres-ts spec/],
  ['an unknown command', ['sync'], {}, /unknown command "sync"/],
  ['read without --catalog', ['read'], { config: {} }, /read needs --catalog FILE/],
  ['an unknown flag', ['spec', '--verbose'], {}, /Unknown argument: verbose/],
])('usage: %s', async (_name, args, files, message) => {
  await expectConfigError(args as string[], files, message);
});

test.each([
  ['a missing required key', () => airbyteConfig({ host: undefined }), /config: \/host is required/],
  ['a key the connector does not know', () => airbyteConfig({ replication_slot: 'x' }), /\/replication_slot: not a setting of this connector/],
  ['a JDBC parameter without a libpq counterpart', () => airbyteConfig({ jdbc_url_params: 'prepareThreshold=0' }), /jdbc_url_params: prepareThreshold has no counterpart/],
  ['the Xmin method', () => airbyteConfig({ replication_method: { method: 'Xmin' } }), /Xmin is not supported/],
  ['LSN commit while reading', () => airbyteConfig({ replication_method: { method: 'CDC', replication_slot: 's', publication: 'p', lsn_commit_behaviour: 'While reading Data' } }), /lsn_commit_behaviour must be one of "After loading Data in the destination"/],
])('read with %s: config_error before connecting', async (_name, makeConfig, message) => {
  await expectConfigError(['read'], { config: makeConfig(), catalog: aOnly() }, message);
});

test.each([
  ['not a catalog', () => ({ stream: [] }), /catalog: must be an object with a "streams" array/],
  ['a bad sync_mode', () => ({ streams: [{ ...aOnly().streams[0], sync_mode: 'cdc' }] }), /\/streams\/0\/sync_mode must be one of full_refresh, incremental/],
  ['a table that is gone', () => ({ streams: [{ ...aOnly().streams[0], stream: { ...aOnly().streams[0].stream, name: 'gone' } }] }), /stream ab_err\.gone: the table does not exist/],
  ['incremental without a cursor', () => configure(catalog, { docs: { sync_mode: 'incremental' } }), /stream ab_err\.docs: incremental needs a cursor_field/],
  ['a cursor that cannot be one', () => configure(catalog, { docs: { sync_mode: 'incremental', cursor_field: ['doc'] } }), /replication-key "doc" has type jsonb, which cannot be a replication key/],
])('read with %s: config_error, nothing else written', async (_name, makeCatalog, message) => {
  await expectConfigError(['read'], { config, catalog: makeCatalog() }, message);
});

test.each([
  ['a STREAM state without its descriptor', [{ type: 'STREAM', stream: { stream_state: {} } }], /state: \/0\/stream\/0\/stream_descriptor\/name must be a non-empty string/],
  ['an unknown state type', [{ type: 'PER_STREAM' }], /state: \/0\/type must be STREAM, GLOBAL or LEGACY/],
  ['a bookmark of the wrong type', [{ type: 'STREAM', stream: { stream_descriptor: { name: 'a', namespace: SCHEMA }, stream_state: { ctid_page: 'x' } } }], /state: \/bookmarks\/ab_err-a\/ctid_page must be a number/],
])('read with %s: config_error, nothing else written', async (_name, state, message) => {
  await expectConfigError(['read'], { config, catalog: aOnly(), state }, message);
});

test('a stream that fails mid-run: INCOMPLETE, then an ERROR trace naming it; the finished stream stays COMPLETE', async () => {
  const both = configure(catalog, { a: { sync_mode: 'full_refresh' }, guarded: { sync_mode: 'full_refresh' } });
  const run = await runSource(['read'], { config, catalog: both });
  expect(run.code).toBe(1);
  expectValidAirbyteLines(run.stdout);
  expect(recordsOf(run.messages, 'a')).toHaveLength(3);
  expect(statuses(run.messages, 'a')).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);
  expect(statuses(run.messages, 'guarded')).toEqual(['STARTED', 'RUNNING', 'INCOMPLETE']);
  const last = run.messages[run.messages.length - 1];
  expect(last.trace.error).toMatchObject({
    failure_type: 'config_error',
    stream_descriptor: { name: 'guarded', namespace: SCHEMA },
    message: expect.stringMatching(/ab_err-guarded failed: 42501: permission denied for table secret/),
  });
});

test('a connection lost mid-stream is resumed within the read, from the last row written (the engine\'s retries)', async () => {
  // Its own application name, so only this run's COPY is cut (other test files run in parallel).
  const appName = 'ab-err-lost-connection';
  const own = airbyteConfig({ schemas: [SCHEMA], jdbc_url_params: `ApplicationName=${appName}` });
  const run = await runSource(['read'], {
    config: own,
    catalog: configure(catalog, { b: { sync_mode: 'full_refresh' } }),
    onSpawn: onFirstOutput((child) => {
      child.stdout?.pause();
      sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${appName} AND query LIKE 'COPY%'`
        .then(() => child.stdout?.resume(), () => child.stdout?.resume());
    }),
  });
  expect(run.code).toBe(0);
  expectValidAirbyteLines(run.stdout);
  expect(statuses(run.messages, 'b')).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);
  const logs = run.messages.filter((m) => m.type === 'LOG').map((m) => String(m.log.message));
  expect(logs.some((line) => /ab_err-b: .*; retry 1 of 5 in 1 s, from the last row written/.test(line))).toBe(true);
  const ids = new Set(recordsOf(run.messages, 'b').map((r) => r.id));
  expect(ids.size).toBe(200_000);
});

test('SIGTERM (Airbyte cancelling): a resumable STATE, INCOMPLETE, an ERROR trace, exit 1', async () => {
  const run = await runSource(['read'], {
    config,
    catalog: configure(catalog, { b: { sync_mode: 'full_refresh' } }),
    onSpawn: onFirstOutput((child) => child.kill('SIGTERM')),
  });
  expect(run.code).toBe(1);
  expectValidAirbyteLines(run.stdout);
  expect(statuses(run.messages, 'b')).toEqual(['STARTED', 'RUNNING', 'INCOMPLETE']);
  const states = run.messages.filter((m) => m.type === 'STATE');
  expect(states[states.length - 1].state.stream.stream_state.ctid_page).toBeGreaterThan(0);
  expect(run.messages[run.messages.length - 1].trace.error).toMatchObject({ failure_type: 'transient_error', message: expect.stringMatching(/stopped by SIGTERM/) });
});
