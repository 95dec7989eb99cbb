import type postgres from 'postgres';
import { discover, select, type Catalog } from '../helpers/catalog';
import { adminSql, testConfig } from '../helpers/db';
import { byType, expectRecordsMatchSchemas, expectValidSingerLines, lastState } from '../helpers/messages';
import { runTap } from '../helpers/run-tap';

const SCHEMA = 'sync_drift';
const config = testConfig({ filter_schemas: [SCHEMA] });
let sql: postgres.Sql;

beforeEach(async () => {
  sql = adminSql();
  await sql.unsafe(`
    DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE;
    CREATE SCHEMA ${SCHEMA};
    CREATE TABLE ${SCHEMA}.a_first (id int PRIMARY KEY, v text);
    INSERT INTO ${SCHEMA}.a_first VALUES (1, 'one'), (2, 'two');
    CREATE TABLE ${SCHEMA}.drifting (id int PRIMARY KEY, code text, doc jsonb, note text);
    INSERT INTO ${SCHEMA}.drifting SELECT g, g::text, jsonb_build_object('g', g), 'n' || g FROM generate_series(1, 50) g;
    CREATE TABLE ${SCHEMA}.z_last (id int PRIMARY KEY);
    INSERT INTO ${SCHEMA}.z_last SELECT generate_series(1, 3);
  `);
});

afterEach(async () => {
  await sql.end();
});

const DRIFTING = `${SCHEMA}-drifting`;
const all = (catalog: Catalog) => select(catalog, { [`${SCHEMA}-a_first`]: {}, [DRIFTING]: {}, [`${SCHEMA}-z_last`]: {} });

/** After discovery: code text → int, a column added, a selected column dropped. */
async function drift(): Promise<void> {
  await sql.unsafe(`
    ALTER TABLE ${SCHEMA}.drifting ALTER COLUMN code TYPE int USING code::int;
    ALTER TABLE ${SCHEMA}.drifting ADD COLUMN score double precision NOT NULL DEFAULT 1.5;
    ALTER TABLE ${SCHEMA}.drifting DROP COLUMN note;
  `);
}

function schemaOf(messages: Array<Record<string, any>>, stream: string): Record<string, any> {
  return byType(messages, 'SCHEMA').find((m) => m.stream === stream)!.schema;
}

test('drift since discovery: the SCHEMA has the live types, the added column typed, no dropped column; warnings name them', async () => {
  const catalog = all(await discover(config));
  await drift();
  const run = await runTap([], { config: { ...config, json_as_object: true }, catalog });
  expect(run.code).toBe(0);
  expectValidSingerLines(run.stdout);
  expectRecordsMatchSchemas(run.messages);
  const schema = schemaOf(run.messages, DRIFTING);
  expect(Object.keys(schema.properties)).toEqual(['id', 'code', 'doc', 'score']);
  expect(schema.properties.code.type).toEqual(['null', 'integer']);
  // NOT NULL in the table, nullable in the SCHEMA: a target's earlier rows have no value.
  expect(schema.properties.score).toEqual({ type: ['null', 'number'] });
  expect(schema.properties.doc.type).toContain('object');
  const records = byType(run.messages, 'RECORD').filter((m) => m.stream === DRIFTING);
  expect(records).toHaveLength(50);
  expect(records[0].record).toEqual({ id: 1, code: 1, doc: { g: 1 }, score: 1.5 });
  expect(run.stderr).toMatch(/WARN.*drifting: column code changed type since discovery, from text to integer/);
  expect(run.stderr).toMatch(/WARN.*drifting: column\(s\) score \(double precision\) added since discovery are sent \(new_columns: include\)/);
  expect(run.stderr).toMatch(/WARN.*drifting: selected column note no longer exists; the stream goes on without it/);
});

test('new_columns: ignore leaves an added column out of the SCHEMA and the records', async () => {
  const catalog = all(await discover(config));
  await drift();
  const run = await runTap([], { config: { ...config, new_columns: 'ignore' }, catalog });
  expect(run.code).toBe(0);
  expectRecordsMatchSchemas(run.messages);
  expect(Object.keys(schemaOf(run.messages, DRIFTING).properties)).toEqual(['id', 'code', 'doc']);
  const records = byType(run.messages, 'RECORD').filter((m) => m.stream === DRIFTING);
  expect(records[0].record).toEqual({ id: 1, code: 1, doc: '{"g": 1}' });
});

test('a selected table dropped since discovery: that stream fails in one line, the others sync, exit 1 with a summary', async () => {
  const catalog = all(await discover(config));
  await sql.unsafe(`DROP TABLE ${SCHEMA}.drifting`);
  const run = await runTap([], { config, catalog });
  expect(run.code).toBe(1);
  expectValidSingerLines(run.stdout);
  const errors = run.stderr.split('\n').filter((l) => /ERROR/.test(l));
  expect(errors).toHaveLength(2);
  expect(errors[0]).toContain(`${DRIFTING} failed`);
  expect(errors[0]).toContain(`table ${SCHEMA}.drifting no longer exists or is not readable by this user`);
  expect(errors[1]).toContain(`1 of 3 stream(s) failed: ${DRIFTING}`);
  const streams = new Set(byType(run.messages, 'RECORD').map((m) => m.stream));
  expect(streams).toEqual(new Set([`${SCHEMA}-a_first`, `${SCHEMA}-z_last`]));
  const state = lastState(run.messages);
  expect(Object.keys(state?.bookmarks ?? {}).sort()).toEqual([`${SCHEMA}-a_first`, `${SCHEMA}-z_last`]);
  expect(state?.currently_syncing).toBeNull();
});

test('SELECT revoked since discovery: that stream fails in one line, the others sync, exit 1 with a summary', async () => {
  await sql.unsafe(`GRANT USAGE ON SCHEMA ${SCHEMA} TO tap_reader; GRANT SELECT ON ALL TABLES IN SCHEMA ${SCHEMA} TO tap_reader`);
  const readerConfig = { ...config, user: 'tap_reader' };
  const catalog = all(await discover(readerConfig));
  await sql.unsafe(`REVOKE SELECT ON ${SCHEMA}.drifting FROM tap_reader`);
  const run = await runTap([], { config: readerConfig, catalog });
  expect(run.code).toBe(1);
  const errors = run.stderr.split('\n').filter((l) => /ERROR/.test(l));
  expect(errors).toHaveLength(2);
  expect(errors[0]).toContain(`${DRIFTING} failed: STREAM_UNAVAILABLE: table ${SCHEMA}.drifting no longer exists or is not readable by this user`);
  expect(errors[1]).toContain(`1 of 3 stream(s) failed: ${DRIFTING}`);
  expect(new Set(byType(run.messages, 'RECORD').map((m) => m.stream))).toEqual(new Set([`${SCHEMA}-a_first`, `${SCHEMA}-z_last`]));
});
