/**
 * Stream maps (stream_maps, stream_map_config) on a real sync: the SCHEMA and the RECORDs follow
 * the map in every replication method, values copied by a map keep every digit, and a bad map
 * exits 2 before any output.
 */
import { createHash } from 'node:crypto';
import type postgres from 'postgres';
import { discover, select, type Catalog } from '../helpers/catalog';
import { adminSql, testConfig } from '../helpers/db';
import { expectOk, logicalFixture, records, type LogicalFixture } from '../helpers/logical';
import { byType, expectRecordsMatchSchemas, expectValidSingerLines, lastState } from '../helpers/messages';
import { rawRecord } from '../helpers/raw-json';
import { runTap, type TapRun } from '../helpers/run-tap';

const SCHEMA = 'maps_t';
const USERS = `${SCHEMA}-users`;
const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
let sql: postgres.Sql;
let catalog: Catalog;

beforeAll(async () => {
  sql = adminSql();
  await sql.unsafe(`
    DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE;
    CREATE SCHEMA ${SCHEMA};
    CREATE TABLE ${SCHEMA}.users (id bigint PRIMARY KEY, email text, ssn text, status text,
      balance numeric(40,10), updated_at timestamptz NOT NULL);
    INSERT INTO ${SCHEMA}.users VALUES
      (1, 'ada@example.com', '111-11-1111', 'active', 123456789012345678901234567890.1234567890, '2024-01-01'),
      (2, 'bob@example.org', '222-22-2222', 'closed', 0.5000000000, '2024-01-02'),
      (3, NULL, NULL, 'active', NULL, '2024-01-03');
    CREATE TABLE ${SCHEMA}.orders (id int PRIMARY KEY, total numeric(12,2));
    INSERT INTO ${SCHEMA}.orders VALUES (1, 9.99), (2, 10.00);
    CREATE TABLE ${SCHEMA}.audit (id int PRIMARY KEY, v text);
    INSERT INTO ${SCHEMA}.audit VALUES (1, 'x');
  `);
  catalog = await discover(testConfig({ filter_schemas: [SCHEMA] }));
});

afterAll(async () => {
  await sql.end();
});

function sync(maps: Record<string, unknown>, selections: Record<string, Record<string, unknown>>, extra: Record<string, unknown> = {}, state?: unknown): Promise<TapRun> {
  const config = testConfig({ filter_schemas: [SCHEMA], stream_maps: maps, ...extra });
  return runTap([], { config, catalog: select(catalog, selections), state });
}

function expectOkRun(run: TapRun): void {
  expect(run.stderr).not.toMatch(/ERROR/);
  expect(run.code).toBe(0);
  expectValidSingerLines(run.stdout);
  expectRecordsMatchSchemas(run.messages);
}

/** Each stream's SCHEMA property names equal the keys of each of its records. */
function expectRecordsHaveSchemaKeys(run: TapRun): void {
  const schemas = new Map(byType(run.messages, 'SCHEMA').map((m) => [m.stream, Object.keys(m.schema.properties)]));
  for (const record of byType(run.messages, 'RECORD')) expect(Object.keys(record.record)).toEqual(schemas.get(record.stream));
}

const fullTable = { [USERS]: { 'replication-method': 'FULL_TABLE' } };

test('FULL_TABLE: drop a PII column, md5 a column with a seed, rename a column, add a computed one; values keep their digits', async () => {
  const run = await sync(
    { [USERS]: { ssn: null, email: null, email_hash: "md5(config['seed'] + email) if email else None", amount: 'balance', balance: null, cents: 'int(float(balance) * 100) if balance is not None else None', is_active: "status == 'active'" } },
    fullTable,
    { stream_map_config: { seed: 'pepper' } },
  );
  expectOkRun(run);
  expectRecordsHaveSchemaKeys(run);
  const [schema] = byType(run.messages, 'SCHEMA');
  expect(schema.stream).toBe(USERS);
  expect(schema.key_properties).toEqual(['id']);
  expect(Object.keys(schema.schema.properties)).toEqual(['id', 'status', 'updated_at', 'email_hash', 'amount', 'cents', 'is_active']);
  const source = catalog.streams.find((s) => s.tap_stream_id === USERS)!.schema.properties;
  expect(schema.schema.properties.amount).toEqual(source.balance);
  expect(schema.schema.properties).toMatchObject({ email_hash: { type: ['null', 'string'] }, cents: { type: ['null', 'integer'] }, is_active: { type: ['null', 'boolean'] } });
  const lines = run.stdout.split('\n').filter((line) => line.includes('"type":"RECORD"'));
  expect(lines.every((line) => !line.includes('111-11-1111') && !line.includes('@example'))).toBe(true);
  expect(rawRecord(lines[0]).get('amount')).toBe('123456789012345678901234567890.1234567890');
  const got = byType(run.messages, 'RECORD').map((m) => m.record);
  expect(got.map((r) => [r.id, r.email_hash, r.is_active])).toEqual([
    [1, md5('pepperada@example.com'), true],
    [2, md5('pepperbob@example.org'), false],
    [3, null, true],
  ]);
  expect(got[1]).toMatchObject({ amount: 0.5, cents: 50 });
  expect(got[2]).toMatchObject({ amount: null, cents: null });
});

test('__alias__, __filter__, __else__: null and __key_properties__: the stream is renamed in every message, its state stays under its id', async () => {
  const run = await sync({ [USERS]: { __alias__: 'customers', __filter__: "status == 'active'", __else__: null, contact: 'email', __key_properties__: ['contact'] } }, fullTable);
  expectOkRun(run);
  expectRecordsHaveSchemaKeys(run);
  expect(new Set(run.messages.filter((m) => m.stream !== undefined).map((m) => m.stream))).toEqual(new Set(['customers']));
  const [schema] = byType(run.messages, 'SCHEMA');
  expect(schema.key_properties).toEqual(['contact']);
  expect(Object.keys(schema.schema.properties)).toEqual(['contact']);
  expect(byType(run.messages, 'RECORD').map((m) => m.record)).toEqual([{ contact: 'ada@example.com' }, { contact: null }]);
  expect(byType(run.messages, 'ACTIVATE_VERSION').length).toBeGreaterThan(0);
  expect(Object.keys(lastState(run.messages)!.bookmarks)).toEqual([USERS]);
});

test('__else__: null keeps the key; a dropped key renamed by a plain reference stays the key under its new name', async () => {
  const kept = await sync({ [USERS]: { status: 'status', __else__: null } }, fullTable);
  expectOkRun(kept);
  expectRecordsHaveSchemaKeys(kept);
  expect(byType(kept.messages, 'RECORD').map((m) => m.record)).toEqual([
    { id: 1, status: 'active' },
    { id: 2, status: 'closed' },
    { id: 3, status: 'active' },
  ]);
  const renamed = await sync({ [USERS]: { id: null, user_id: 'id', ssn: null, email: null, balance: null } }, fullTable);
  expectOkRun(renamed);
  expectRecordsHaveSchemaKeys(renamed);
  expect(byType(renamed.messages, 'SCHEMA')[0].key_properties).toEqual(['user_id']);
  expect(byType(renamed.messages, 'RECORD').map((m) => Object.keys(m.record))[0]).toEqual(['status', 'updated_at', 'user_id']);
});

test('a column the map drops is not read: a drop-only map syncs a view whose dropped column fails when computed', async () => {
  await sql.unsafe(`CREATE OR REPLACE VIEW ${SCHEMA}.users_boom AS SELECT id, status, 1 / (id - id) AS boom FROM ${SCHEMA}.users`);
  const withView = await discover(testConfig({ filter_schemas: [SCHEMA] }));
  const view = { [`${SCHEMA}-users_boom`]: { 'replication-method': 'FULL_TABLE' } };
  const config = testConfig({ filter_schemas: [SCHEMA] });
  const without = await runTap([], { config, catalog: select(withView, view) });
  expect(without.code).not.toBe(0);
  expect(without.stderr).toMatch(/division by zero/);
  const run = await runTap([], { config: { ...config, stream_maps: { [`${SCHEMA}-users_boom`]: { boom: null } } }, catalog: select(withView, view) });
  expectOkRun(run);
  expect(Object.keys(byType(run.messages, 'SCHEMA')[0].schema.properties)).toEqual(['id', 'status']);
  expect(byType(run.messages, 'RECORD').map((m) => m.record)).toEqual([
    { id: 1, status: 'active' },
    { id: 2, status: 'closed' },
    { id: 3, status: 'active' },
  ]);
});

test('INCREMENTAL: a dropped replication key is still read for the bookmark, and not sent', async () => {
  const selections = { [USERS]: { 'replication-method': 'INCREMENTAL', 'replication-key': 'updated_at' } };
  const run = await sync({ [USERS]: { updated_at: null, ssn: null } }, selections);
  expectOkRun(run);
  expectRecordsHaveSchemaKeys(run);
  const [schema] = byType(run.messages, 'SCHEMA');
  expect(schema.schema.properties).not.toHaveProperty('updated_at');
  expect(schema.bookmark_properties).toEqual([]);
  expect(lastState(run.messages)!.bookmarks[USERS].replication_key_value).toMatch(/^2024-01-03/);
});

test('a stream mapped to null, and __else__: null at the top, are not synced', async () => {
  const selections = { ...fullTable, [`${SCHEMA}-orders`]: { 'replication-method': 'FULL_TABLE' }, [`${SCHEMA}-audit`]: { 'replication-method': 'FULL_TABLE' } };
  const run = await sync({ [`${SCHEMA}-orders`]: {}, [`${SCHEMA}-audit`]: null, __else__: null }, selections);
  expectOkRun(run);
  expect(new Set(run.messages.filter((m) => m.stream !== undefined).map((m) => m.stream))).toEqual(new Set([`${SCHEMA}-orders`]));
  expect(rawRecord(run.stdout.split('\n').find((l) => l.includes('"type":"RECORD"'))!).get('total')).toBe('9.99');
  // A glob: every stream of the schema loses its id.
  const globbed = await sync({ [`${SCHEMA}-*`]: { id: null, __key_properties__: null } }, selections);
  expectOkRun(globbed);
  expectRecordsHaveSchemaKeys(globbed);
  expect(byType(globbed.messages, 'SCHEMA').map((m) => [m.stream, m.key_properties, 'id' in m.schema.properties])).toEqual([
    [`${SCHEMA}-audit`, [], false],
    [`${SCHEMA}-orders`, [], false],
    [USERS, [], false],
  ]);
});

describe('a bad map exits 2 with one line and nothing on stdout', () => {
  it.each([
    [{ [USERS]: { x: "email.split('@')[-1]" } }, /stream_maps\.maps_t-users\.x: "email\.split\('@'\)\[-1\]": attribute and method access \(\.split\) is not supported/],
    [{ [USERS]: { x: 'len(email)' } }, /function len\(\) is not supported/],
    [{ [USERS]: { x: 'md5(emial)' } }, /stream_maps for stream maps_t-users: x: "md5\(emial\)" reads "emial", which is not a property of the stream/],
    [{ [USERS]: { id: null } }, /drops key property "id"/],
    [{ [USERS]: { __alias__: `${SCHEMA}-orders` } }, /would both be sent as maps_t-orders/],
  ])('%j', async (maps, message) => {
    const run = await sync(maps, { ...fullTable, [`${SCHEMA}-orders`]: { 'replication-method': 'FULL_TABLE' } });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });
});

test('a map outside the expression language is refused before connecting', async () => {
  const config = testConfig({ filter_schemas: [SCHEMA], host: '127.0.0.1', port: 1, stream_maps: { [USERS]: { x: 'email.lower()' } } });
  const run = await runTap([], { config, catalog: select(catalog, fullTable) });
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/stream_maps\.maps_t-users\.x: "email\.lower\(\)": attribute and method access \(\.lower\) is not supported/)]);
});

describe('LOG_BASED', () => {
  let f: LogicalFixture;
  const items = () => `${f.schema}-items`;

  beforeAll(async () => {
    f = await logicalFixture(
      'maps',
      `CREATE TABLE S.items (id int PRIMARY KEY, name text, amount numeric(12,2));
       INSERT INTO S.items VALUES (1, 'one', 1.50), (2, 'two', 2.00);`,
      ['items'],
    );
  });

  afterAll(async () => {
    await f.drop();
  });

  test('snapshot and streamed changes are mapped, the _sdc_ columns too; a delete keeps what it carries', async () => {
    const maps = { [items()]: { name: null, name_hash: 'md5(name)', _sdc_deleted_at: null, deleted: '_sdc_deleted_at is not None', __alias__: 'things' } };
    const config = { ...f.config, stream_maps: maps };
    const first = await f.run(['items'], undefined, { config });
    const state = expectOk(first);
    expectRecordsMatchSchemas(first.messages);
    const [schema] = byType(first.messages, 'SCHEMA');
    expect(schema.stream).toBe('things');
    expect(Object.keys(schema.schema.properties)).toEqual(['id', 'amount', '_sdc_lsn', 'name_hash', 'deleted']);
    // Snapshot rows carry no _sdc_deleted_at, so what is computed from it is left out, not invented.
    expect(records(first, 'things').map(({ _sdc_lsn, ...rest }) => rest)).toEqual([
      { id: 1, amount: 1.5, name_hash: md5('one') },
      { id: 2, amount: 2, name_hash: md5('two') },
    ]);
    expect(first.stdout).toContain('"amount":1.50,');

    await f.sql.unsafe(`UPDATE ${f.schema}.items SET name = 'uno' WHERE id = 1; DELETE FROM ${f.schema}.items WHERE id = 2`);
    const second = await f.run(['items'], state, { config });
    expectOk(second);
    expectRecordsMatchSchemas(second.messages);
    const got = records(second, 'things');
    expect(got.map(({ _sdc_lsn, ...rest }) => rest)).toEqual([
      { id: 1, amount: 1.5, name_hash: md5('uno'), deleted: false },
      { id: 2, deleted: true },
    ]);
    expect(got.every((r) => Number.isInteger(r._sdc_lsn))).toBe(true);
  });
});
