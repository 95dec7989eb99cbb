/**
 * The documented example configs of singer-io, pipelinewise and MeltanoLabs tap-postgres
 * (tests/fixtures/variants/), pointed at the test database, sync with the effect each key has in
 * its own tap: default method and key, stream names, TLS, limits with a bookmark that continues,
 * row filters, no ACTIVATE_VERSION; a connection URL with libpq parameters; refused keys exit 2.
 * Only the connection keys are replaced (the fixtures name hosts that do not exist) and the
 * singer-io SSH keys left out (no bastion at jumpserver.mydomain.com).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type postgres from 'postgres';
import { discover, select, type Catalog } from '../helpers/catalog';
import { adminSql, testConfig, testDb } from '../helpers/db';
import { byType, expectValidSingerLines, lastState } from '../helpers/messages';
import { runTap, type TapRun } from '../helpers/run-tap';

const SCHEMA = 'variants';
const ORDERS = `${SCHEMA}-orders`;
const ROWS = 10;
const PASSWORD = 'S3cret-pw!"quote#42';
let sql: postgres.Sql;
let catalog: Catalog;

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'variants', `${name}.json`), 'utf8')) as Record<string, unknown>;

/** A variant's example config on the test database: its connection keys replaced. */
function onTestDb(name: string, drop: string[] = []): Record<string, unknown> {
  const config = { ...fixture(name) };
  for (const key of ['host', 'port', 'user', 'password', 'dbname', 'database', 'sslmode', ...drop]) delete config[key];
  const db = testConfig();
  delete db.sslmode;
  return { ...config, ...db };
}

const records = (run: TapRun) => byType(run.messages, 'RECORD').map((m) => m.record);

beforeAll(async () => {
  sql = adminSql();
  await sql.unsafe(`
    DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE;
    CREATE SCHEMA ${SCHEMA};
    CREATE TABLE ${SCHEMA}.orders (id int PRIMARY KEY, status text, amount numeric, updated_at timestamptz NOT NULL);
    INSERT INTO ${SCHEMA}.orders SELECT g, CASE WHEN g % 2 = 0 THEN 'paid' ELSE 'open' END, g - 3, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour'
      FROM generate_series(1, ${ROWS}) g;
    CREATE VIEW ${SCHEMA}.session AS
      SELECT current_setting('application_name') AS app, current_setting('search_path') AS search_path, s.ssl, current_user::text AS who
      FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid();
    CREATE TABLE ${SCHEMA}.same_key (id int PRIMARY KEY, batch int NOT NULL);
    INSERT INTO ${SCHEMA}.same_key SELECT g, 1 FROM generate_series(1, 5) g;
    CREATE TABLE ${SCHEMA}.dates (id int PRIMARY KEY, d date, ts timestamp, tstz timestamptz NOT NULL, days date[]);
    INSERT INTO ${SCHEMA}.dates VALUES
      (1, '4713-01-01 BC', '-infinity', '2024-01-01 10:00:00.5+00', '{2024-01-01,infinity}'),
      (2, '2024-02-29', '2024-02-29 23:59:59', '2024-01-02 10:00:00+00', NULL),
      (3, NULL, 'infinity', 'infinity', '{}');
    GRANT USAGE ON SCHEMA ${SCHEMA} TO tap_password_user;
    GRANT SELECT ON ALL TABLES IN SCHEMA ${SCHEMA} TO tap_password_user;
  `);
  catalog = await discover(testConfig({ filter_schemas: [SCHEMA] }));
});

afterAll(async () => {
  await sql.end();
});

test('singer-io: default method and key make the stream INCREMENTAL on updated_at; stream named <schema>_<table>; ssl "true" is TLS', async () => {
  const config = onTestDb('singer-io', ['use_ssh_tunnel', 'ssh_jump_server', 'ssh_jump_server_port', 'ssh_private_key_path', 'ssh_username']);
  const run = await runTap([], { config: { ...config, filter_schemas: [SCHEMA] }, catalog: select(catalog, { [ORDERS]: {}, [`${SCHEMA}-session`]: {} }) });
  expect(run.code).toBe(0);
  expectValidSingerLines(run.stdout);
  expect(new Set(byType(run.messages, 'RECORD').map((m) => m.stream))).toEqual(new Set(['variants_orders', 'variants_session']));
  expect(byType(run.messages, 'RECORD').find((m) => m.stream === 'variants_session')?.record.ssl).toBe(true);
  expect(lastState(run.messages)?.bookmarks[ORDERS]).toMatchObject({
    last_replication_method: 'INCREMENTAL',
    replication_key: 'updated_at',
    replication_key_value: '2024-01-01T10:00:00.000000+00:00',
  });
  expect(run.stderr).toMatch(/WARN config: itersize has no effect/);
});

test('pipelinewise: limit stops each INCREMENTAL run at N rows; the bookmark continues from the last key sent', async () => {
  const config = { ...onTestDb('pipelinewise'), filter_schemas: SCHEMA, limit: 4 };
  const incremental = select(catalog, { [ORDERS]: { 'replication-key': 'updated_at' } });
  const seen: number[] = [];
  let state: unknown;
  for (const expected of [[1, 2, 3, 4], [4, 5, 6, 7], [7, 8, 9, 10], [10]]) {
    const run = await runTap([], { config, catalog: incremental, state });
    expect(run.code).toBe(0);
    const ids = records(run).map((r) => r.id);
    expect(ids).toEqual(expected);
    seen.push(...ids);
    state = lastState(run.messages);
    const last = expected[expected.length - 1];
    expect((state as any).bookmarks[ORDERS].replication_key_value).toBe(`2024-01-01T${String(last).padStart(2, '0')}:00:00.000000+00:00`);
  }
  expect([...new Set(seen)]).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
});

test('limit: a run whose rows all hold the bookmark value says the stream cannot move past them', async () => {
  const config = testConfig({ filter_schemas: [SCHEMA], limit: 3 });
  const incremental = select(catalog, { [`${SCHEMA}-same_key`]: { 'replication-method': 'INCREMENTAL', 'replication-key': 'batch' } });
  const first = await runTap([], { config, catalog: incremental });
  expect(records(first)).toHaveLength(3);
  expect(first.stderr).not.toMatch(/cannot move past/);
  const again = await runTap([], { config, catalog: incremental, state: lastState(first.messages) });
  expect(records(again)).toHaveLength(3);
  expect(again.stderr).toMatch(/variants-same_key: the 3 rows of this run \(the limit\) all have batch = 1; raise limit or max_record_count/);
});

test('MeltanoLabs dates_as_string: dates and timestamps typed string and sent as the server text; an INCREMENTAL bookmark on one continues', async () => {
  const config = testConfig({ filter_schemas: [SCHEMA], dates_as_string: 'true' });
  const found = await discover(config);
  const entry = found.streams.find((s) => s.tap_stream_id === `${SCHEMA}-dates`) as Record<string, any>;
  expect(entry.schema.properties.d).toEqual({ type: ['null', 'string'] });
  expect(entry.schema.properties.tstz).toEqual({ type: ['string'] });
  const stream = select(found, { [`${SCHEMA}-dates`]: { 'replication-method': 'INCREMENTAL', 'replication-key': 'tstz' } });
  const run = await runTap([], { config, catalog: stream });
  expect(run.code).toBe(0);
  expect(byType(run.messages, 'SCHEMA')[0].schema.properties.ts).toEqual({ type: ['null', 'string'] });
  expect(records(run)).toEqual([
    { id: 1, d: '4713-01-01 BC', ts: '-infinity', tstz: '2024-01-01 10:00:00.5+00', days: ['2024-01-01', 'infinity'] },
    { id: 2, d: '2024-02-29', ts: '2024-02-29 23:59:59', tstz: '2024-01-02 10:00:00+00', days: null },
    { id: 3, d: null, ts: 'infinity', tstz: 'infinity', days: [] },
  ]);
  expect(lastState(run.messages)?.bookmarks[`${SCHEMA}-dates`].replication_key_value).toBe('infinity');
  const from = { bookmarks: { [`${SCHEMA}-dates`]: { replication_key: 'tstz', replication_key_value: '2024-01-02 10:00:00+00' } } };
  const next = await runTap([], { config, catalog: stream, state: from });
  expect(records(next).map((r) => r.id)).toEqual([2, 3]);
});

test('MeltanoLabs: custom_where_clauses and max_record_count bound FULL_TABLE; no ACTIVATE_VERSION; verify-full TLS with the CA', async () => {
  const db = testDb();
  const config = {
    ...onTestDb('meltanolabs', ['ssl_client_certificate_enable', 'ssl_client_certificate', 'ssl_client_private_key']),
    host: 'localhost',
    filter_schemas: [SCHEMA],
    ssl_certificate_authority: db.certFile,
    max_record_count: 3,
    stream_options: { [ORDERS]: { custom_where_clauses: ["status = 'paid'", 'amount > 0'] } },
  };
  const run = await runTap([], { config, catalog: select(catalog, { [ORDERS]: {}, [`${SCHEMA}-session`]: {} }) });
  expect(run.code).toBe(0);
  expectValidSingerLines(run.stdout);
  const orders = byType(run.messages, 'RECORD').filter((m) => m.stream === ORDERS).map((m) => m.record);
  expect(orders).toHaveLength(3);
  for (const row of orders) expect(row.status === 'paid' && row.amount > 0).toBe(true);
  expect(byType(run.messages, 'RECORD').find((m) => m.stream === `${SCHEMA}-session`)?.record.ssl).toBe(true);
  expect(byType(run.messages, 'ACTIVATE_VERSION')).toEqual([]);

  // Without the limit: exactly the rows the clauses select, from the plain scan.
  const all = await runTap([], { config: { ...config, max_record_count: undefined }, catalog: select(catalog, { [ORDERS]: {} }) });
  expect(records(all).map((r) => r.id).sort((a, b) => a - b)).toEqual([4, 6, 8, 10]);
});

test('custom_where_clauses: a LOG_BASED stream is refused; a clause that does not fit its table is exit 2 before any output', async () => {
  const config = testConfig({ filter_schemas: [SCHEMA], stream_options: { [ORDERS]: { custom_where_clauses: ['no_such_column > 1'] } } });
  const logical = await runTap([], { config, catalog: select(catalog, { [ORDERS]: { 'replication-method': 'LOG_BASED' } }) });
  expect(logical.code).toBe(2);
  expect(logical.stdout).toBe('');
  expect(logical.stderr).toMatch(/catalog stream variants-orders: stream_options custom_where_clauses cannot filter a LOG_BASED stream's changes/);
  const bad = await runTap([], { config, catalog: select(catalog, { [ORDERS]: {} }) });
  expect(bad.code).toBe(2);
  expect(bad.stdout).toBe('');
  expect(bad.stderr).toMatch(/config: \/stream_options\/variants-orders\/custom_where_clauses do not fit table variants.orders: 42703: column "no_such_column" does not exist/);
  const unused = await runTap([], { config: { ...config, stream_options: { 'variants-gone': { custom_where_clauses: ['true'] } } }, catalog: select(catalog, { [ORDERS]: {} }) });
  expect(unused.code).toBe(0);
  expect(unused.stderr).toMatch(/WARN config: stream_options names stream\(s\) not selected in this run: variants-gone/);
});

test('sqlalchemy_url: user, percent-encoded password, database and libpq parameters; the password never printed', async () => {
  const db = testDb();
  const url = (password: string) =>
    `postgresql+psycopg2://tap_password_user:${encodeURIComponent(password)}@${db.host}:${db.port}/${db.dbname}` +
    `?sslmode=require&application_name=etl_url&options=${encodeURIComponent('-c search_path=variants,public')}&connect_timeout=5`;
  const config = { sqlalchemy_url: url(PASSWORD), filter_schemas: [SCHEMA], log_level: 'debug' };
  const run = await runTap([], { config, catalog: select(catalog, { [`${SCHEMA}-session`]: {} }) });
  expect(run.code).toBe(0);
  expect(records(run)).toEqual([{ app: 'etl_url', search_path: 'variants,public', ssl: true, who: 'tap_password_user' }]);
  expect(run.stderr).not.toContain('S3cret');
  expect(run.stderr).toContain('[REDACTED]');

  const wrong = await runTap(['--test'], { config: { url: url('Wr0ng-pw#secret') } });
  expect(wrong.code).not.toBe(0);
  expect(wrong.stderr).toMatch(/tap_password_user/);
  expect(wrong.stderr).not.toMatch(/Wr0ng/);

  const unknown = await runTap(['--test'], { config: { url: `${url(PASSWORD)}&keepalives=1` } });
  expect(unknown.code).toBe(2);
  expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
  expect(unknown.stderr).toMatch(/\/url has connection parameter\(s\) this tap does not know: keepalives/);
  expect(unknown.stderr).not.toContain('S3cret');
});

test('refused keys: exit 2, one line naming the key and what to do, nothing on stdout', async () => {
  const run = await runTap([], { config: testConfig({ use_singer_decimal: 'true' }), catalog: select(catalog, { [ORDERS]: {} }) });
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/config: use_singer_decimal is not supported: .*remove the key$/)]);
});
