/**
 * Several databases (singer-io): `dbname` as a list or `filter_dbs` discovers each database,
 * stream ids are `<db>-<schema>-<table>`, each stream reads through a connection to its
 * `database-name`, and a singer-io state of that form resumes. LOG_BASED in another database
 * than the connected one is refused before any output.
 */
import type postgres from 'postgres';
import { discover, select, type Catalog } from '../helpers/catalog';
import { adminSql, testConfig, testDb } from '../helpers/db';
import { byType, expectValidSingerLines, lastState } from '../helpers/messages';
import { runTap } from '../helpers/run-tap';

const DB_A = 'tap_multi_a';
const DB_B = 'tap_multi_b';
const SCHEMA = 'md';
const config = testConfig({ dbname: `${DB_A},${DB_B}`, filter_schemas: [SCHEMA] });
let admin: postgres.Sql;
let catalog: Catalog;

async function fill(database: string, rows: number, extra: string): Promise<void> {
  const sql = adminSql(database);
  try {
    await sql.unsafe(`
      CREATE SCHEMA ${SCHEMA};
      CREATE TABLE ${SCHEMA}.items (id int PRIMARY KEY, origin text NOT NULL);
      INSERT INTO ${SCHEMA}.items SELECT g, '${database}' FROM generate_series(1, ${rows}) g;
      ${extra}`);
  } finally {
    await sql.end();
  }
}

function records(messages: Array<Record<string, any>>, stream: string): Array<Record<string, any>> {
  return byType(messages, 'RECORD').filter((m) => m.stream === stream).map((m) => m.record);
}

beforeAll(async () => {
  admin = adminSql();
  for (const db of [DB_A, DB_B]) {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${db}`);
    await admin.unsafe(`CREATE DATABASE ${db}`);
  }
  await fill(DB_A, 3, '');
  await fill(DB_B, 7, `CREATE TABLE ${SCHEMA}.only_b (id int PRIMARY KEY); INSERT INTO ${SCHEMA}.only_b VALUES (1), (2);`);
  catalog = await discover(config);
}, 60_000);

afterAll(async () => {
  for (const db of [DB_A, DB_B]) await admin.unsafe(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.end();
});

test('discovery covers each database; ids are <db>-<schema>-<table> with database-name set', () => {
  const ids = catalog.streams.map((s) => s.tap_stream_id);
  expect(ids).toEqual([`${DB_A}-${SCHEMA}-items`, `${DB_B}-${SCHEMA}-items`, `${DB_B}-${SCHEMA}-only_b`]);
  for (const stream of catalog.streams) {
    const root = stream.metadata.find((m: { breadcrumb: string[] }) => m.breadcrumb.length === 0).metadata;
    expect(root['database-name']).toBe(stream.tap_stream_id.split('-')[0]);
    expect(root['schema-name']).toBe(SCHEMA);
    expect(stream.stream).toBe(stream.tap_stream_id);
  }
});

test('filter_dbs (singer-io) discovers the named databases of the server; a name that does not exist is a warning', async () => {
  const run = await runTap(['--discover'], { config: testConfig({ filter_dbs: `${DB_B},${DB_A},tap_multi_missing`, filter_schemas: [SCHEMA] }) });
  expect(run.code).toBe(0);
  expect(run.messages[0].streams.map((s: { tap_stream_id: string }) => s.tap_stream_id)).toEqual(catalog.streams.map((s) => s.tap_stream_id));
  expect(run.stderr).toMatch(/filter_dbs: database tap_multi_missing does not exist/);
  // One database named: the ids of a one-database catalog, read through a connection to it.
  const one = await runTap(['--discover'], { config: testConfig({ filter_dbs: [DB_B], filter_schemas: [SCHEMA] }) });
  expect(one.code).toBe(0);
  const streams = one.messages[0].streams;
  expect(streams.map((s: { tap_stream_id: string }) => s.tap_stream_id)).toEqual([`${SCHEMA}-items`, `${SCHEMA}-only_b`]);
  const sync = await runTap([], { config: testConfig({ filter_schemas: [SCHEMA] }), catalog: select(one.messages[0] as Catalog, { [`${SCHEMA}-items`]: {} }) });
  expect(sync.code).toBe(0);
  expect(records(sync.messages, `${SCHEMA}-items`).map((r) => r.origin)).toEqual(Array(7).fill(DB_B));
});

test('a sync reads each stream from its own database', async () => {
  const chosen = select(catalog, {
    [`${DB_A}-${SCHEMA}-items`]: { 'replication-method': 'FULL_TABLE' },
    [`${DB_B}-${SCHEMA}-items`]: { 'replication-method': 'INCREMENTAL', 'replication-key': 'id' },
    [`${DB_B}-${SCHEMA}-only_b`]: { 'replication-method': 'FULL_TABLE' },
  });
  // The connected database is the first one of dbname; another connection reads the second.
  const run = await runTap([], { config: testConfig({ dbname: testDb().dbname }), catalog: chosen });
  expect(run.stderr).not.toMatch(/ERROR/);
  expect(run.code).toBe(0);
  expectValidSingerLines(run.stdout);
  expect(records(run.messages, `${DB_A}-${SCHEMA}-items`)).toEqual([1, 2, 3].map((id) => ({ id, origin: DB_A })));
  expect(records(run.messages, `${DB_B}-${SCHEMA}-items`)).toEqual([1, 2, 3, 4, 5, 6, 7].map((id) => ({ id, origin: DB_B })));
  expect(records(run.messages, `${DB_B}-${SCHEMA}-only_b`)).toEqual([{ id: 1 }, { id: 2 }]);
  const state = lastState(run.messages);
  expect(Object.keys(state?.bookmarks ?? {}).sort()).toEqual(catalog.streams.map((s) => s.tap_stream_id));
  expect(state?.bookmarks[`${DB_B}-${SCHEMA}-items`]).toMatchObject({ replication_key: 'id', replication_key_value: 7 });
});

test('--select names streams of several databases by their <db>-<schema>-<table> ids', async () => {
  const run = await runTap(['--select', `${DB_B}-${SCHEMA}-only_b`], { config });
  expect(run.stderr).not.toMatch(/ERROR/);
  expect(run.code).toBe(0);
  expect(new Set(byType(run.messages, 'RECORD').map((m) => m.stream))).toEqual(new Set([`${DB_B}-${SCHEMA}-only_b`]));
});

test('a singer-io state of <db>-<schema>-<table> ids resumes: the interrupted stream first, from its bookmark', async () => {
  const chosen = select(catalog, {
    [`${DB_A}-${SCHEMA}-items`]: { 'replication-method': 'INCREMENTAL', 'replication-key': 'id' },
    [`${DB_B}-${SCHEMA}-items`]: { 'replication-method': 'INCREMENTAL', 'replication-key': 'id' },
  });
  const state = {
    currently_syncing: `${DB_B}-${SCHEMA}-items`,
    bookmarks: {
      [`${DB_A}-${SCHEMA}-items`]: { last_replication_method: 'INCREMENTAL', replication_key: 'id', replication_key_value: 3, version: 1700000000000 },
      [`${DB_B}-${SCHEMA}-items`]: { last_replication_method: 'INCREMENTAL', replication_key: 'id', replication_key_value: 5, version: 1700000000001 },
    },
  };
  const run = await runTap([], { config, catalog: chosen, state });
  expect(run.code).toBe(0);
  const streams = byType(run.messages, 'RECORD').map((m) => m.stream);
  expect(streams[0]).toBe(`${DB_B}-${SCHEMA}-items`);
  expect(records(run.messages, `${DB_B}-${SCHEMA}-items`).map((r) => r.id)).toEqual([5, 6, 7]);
  expect(records(run.messages, `${DB_A}-${SCHEMA}-items`).map((r) => r.id)).toEqual([3]);
  expect(lastState(run.messages)).toMatchObject({ currently_syncing: null, bookmarks: { [`${DB_B}-${SCHEMA}-items`]: { replication_key_value: 7, version: 1700000000001 } } });
});

test('LOG_BASED in a database other than the connected one: exit 2, one line naming what to do, nothing on stdout', async () => {
  const chosen = select(catalog, { [`${DB_B}-${SCHEMA}-items`]: { 'replication-method': 'LOG_BASED' } });
  const run = await runTap([], { config, catalog: chosen });
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(new RegExp(`LOG_BASED .* in database ${DB_B}: sync it in a run whose dbname is ${DB_B}`));
});
