/** --select and the replication defaults, end to end against the harness database. */
import type postgres from 'postgres';
import { adminSql, testConfig } from '../helpers/db';
import { byType, expectValidCatalog, expectValidSingerLines, lastState } from '../helpers/messages';
import { runTap, type TapRun } from '../helpers/run-tap';

const S = 'cli_sel';
const OTHER = 'cli_sel_other';
const config = testConfig();
let sql: postgres.Sql;

beforeAll(async () => {
  sql = adminSql();
  await sql.unsafe(`
    DROP SCHEMA IF EXISTS ${S} CASCADE;
    DROP SCHEMA IF EXISTS ${OTHER} CASCADE;
    CREATE SCHEMA ${S};
    CREATE SCHEMA ${OTHER};
    CREATE TABLE ${S}.orders (id int PRIMARY KEY, amount numeric(10,2), updated_at timestamptz);
    INSERT INTO ${S}.orders SELECT g, g * 1.25, timestamptz '2024-01-01' + g * interval '1 hour' FROM generate_series(1, 5) g;
    CREATE TABLE ${S}.users (id int PRIMARY KEY, email text, password_hash text);
    INSERT INTO ${S}.users VALUES (1, 'a@example.com', 'secret-hash-1'), (2, 'b@example.com', 'secret-hash-2');
    CREATE TABLE ${S}.audit_2024 (id int, msg text);
    INSERT INTO ${S}.audit_2024 VALUES (1, 'x');
    CREATE TABLE ${OTHER}.orders (id int PRIMARY KEY);
  `);
});

afterAll(async () => {
  await sql.unsafe(`DROP SCHEMA IF EXISTS ${S} CASCADE; DROP SCHEMA IF EXISTS ${OTHER} CASCADE;`);
  await sql.end();
});

function records(run: TapRun): Record<string, Array<Record<string, unknown>>> {
  const out: Record<string, Array<Record<string, unknown>>> = {};
  for (const m of byType(run.messages, 'RECORD')) (out[m.stream] ??= []).push(m.record);
  return out;
}

function expectOneErrorLine(run: TapRun, pattern: RegExp): void {
  expect(run.stdout).toBe('');
  const lines = run.stderr.split('\n').filter((line) => line !== '');
  expect(lines).toEqual([expect.stringMatching(pattern)]);
  expect(run.code).toBe(2);
}

const rootOf = (stream: Record<string, any>) => stream.metadata.find((e: { breadcrumb: string[] }) => e.breadcrumb.length === 0).metadata;

test('include, exclude and column patterns without a catalog', async () => {
  const run = await runTap(['--select', `${S}-*`, '--select', `!${S}-audit_*`, '--select', `!${S}-users.password_hash`], { config });
  expect(run.stderr).not.toMatch(/ERROR|WARN/);
  expect(run.code).toBe(0);
  expectValidSingerLines(run.stdout);
  const got = records(run);
  expect(Object.keys(got).sort()).toEqual([`${S}-orders`, `${S}-users`]);
  expect(got[`${S}-orders`]).toHaveLength(5);
  expect(got[`${S}-users`]).toEqual([
    { id: 1, email: 'a@example.com' },
    { id: 2, email: 'b@example.com' },
  ]);
  expect(run.stdout).not.toContain('secret-hash');
  expect(lastState(run.messages)?.currently_syncing).toBeNull();
});

test('a column pattern selects only that column (and the key)', async () => {
  const run = await runTap(['--select', `${S}-orders.amount`], { config });
  expect(run.code).toBe(0);
  expect(records(run)[`${S}-orders`][0]).toEqual({ id: 1, amount: 1.25 });
});

test('discovery covers only the schemas the patterns reach', async () => {
  const run = await runTap(['--select', `${S}-orders`], { config: { ...config, log_level: 'debug' } });
  expect(run.code).toBe(0);
  expect(run.stderr).toMatch(/discovered streams streams=3 /);
  const wide = await runTap(['--select', `*-orders`], { config: { ...config, log_level: 'debug' } });
  expect(wide.code).toBe(0);
  const streams = byType(wide.messages, 'SCHEMA').map((m) => m.stream);
  expect(streams).toEqual(expect.arrayContaining([`${S}-orders`, `${OTHER}-orders`]));
  expect(streams.every((name: string) => name.endsWith('-orders'))).toBe(true);
});

test('--discover --select prints the catalog with the selection applied, ready for --catalog', async () => {
  const discovered = await runTap(['--discover', '--select', `${S}-users`, '--select', `!${S}-users.password_hash`], { config });
  expect(discovered.code).toBe(0);
  const catalog = discovered.messages[0];
  expectValidCatalog(catalog);
  const selected = catalog.streams.filter((s: Record<string, any>) => rootOf(s).selected === true).map((s: Record<string, any>) => s.tap_stream_id);
  expect(selected).toEqual([`${S}-users`]);
  expect(catalog.streams.some((s: Record<string, any>) => s.tap_stream_id.startsWith('tap_fixture-'))).toBe(true);
  const run = await runTap([], { config, catalog });
  expect(run.code).toBe(0);
  expect(records(run)).toEqual({ [`${S}-users`]: [{ id: 1, email: 'a@example.com' }, { id: 2, email: 'b@example.com' }] });
});

test('with --catalog the patterns refine its selection', async () => {
  const discovered = await runTap(['--discover', '--select', `${S}-orders`], { config: { ...config, filter_schemas: [S] } });
  const catalog = discovered.messages[0];
  const added = await runTap(['--select', `${S}-users.email`], { config, catalog });
  expect(added.code).toBe(0);
  expect(Object.keys(records(added)).sort()).toEqual([`${S}-orders`, `${S}-users`]);
  expect(records(added)[`${S}-users`][0]).toEqual({ id: 1, email: 'a@example.com' });
  const removed = await runTap(['--select', `!${S}-orders`], { config, catalog });
  expect(removed.code).toBe(0);
  expect(byType(removed.messages, 'RECORD')).toHaveLength(0);
  expect(removed.stderr).toMatch(/no stream is selected/);
});

test('a pattern matching nothing: exit 2, one line naming the pattern and the nearest ids', async () => {
  expectOneErrorLine(await runTap(['--select', `${S}-ordrs`], { config }), new RegExp(`--select "${S}-ordrs" matches no stream; nearest stream ids: ${S}-orders, `));
  expectOneErrorLine(
    await runTap(['--select', `${S}-*`, '--select', `!${S}-users.pasword_hash`], { config }),
    new RegExp(`"!${S}-users.pasword_hash" matches no column of ${S}-users; nearest columns: password_hash`),
  );
  // A schema the patterns name that does not exist: the hint comes from every schema.
  expectOneErrorLine(await runTap(['--select', 'cli_sell-orders'], { config }), new RegExp(`matches no stream; nearest stream ids: ${S}-orders`));
});

test('--replication-method/--replication-key: defaults for selected streams, checked against valid-replication-keys', async () => {
  expectOneErrorLine(
    await runTap(['--select', `${S}-orders`, '--replication-method', 'INCREMENTAL'], { config }),
    new RegExp(`stream ${S}-orders: INCREMENTAL needs a replication key: give --replication-key COLUMN \\(valid-replication-keys: id, amount, updated_at\\)`),
  );
  expectOneErrorLine(
    await runTap(['--select', `${S}-*`, '--replication-method', 'INCREMENTAL', '--replication-key', 'updated_at'], { config }),
    /stream cli_sel-audit_2024: --replication-key "updated_at" is not a valid replication key of this stream \(valid-replication-keys: id, msg\)/,
  );
  const run = await runTap(['--select', `${S}-orders`, '--replication-method', 'INCREMENTAL', '--replication-key', 'updated_at'], { config });
  expect(run.code).toBe(0);
  expect(lastState(run.messages)?.bookmarks[`${S}-orders`]).toMatchObject({
    last_replication_method: 'INCREMENTAL',
    replication_key: 'updated_at',
    replication_key_value: '2024-01-01T05:00:00.000000+00:00',
  });
  const discovered = await runTap(['--discover', '--select', `${S}-orders`, '--replication-method', 'FULL_TABLE'], { config: { ...config, filter_schemas: [S] } });
  const orders = discovered.messages[0].streams.find((s: Record<string, any>) => s.tap_stream_id === `${S}-orders`);
  expect(rootOf(orders)).toMatchObject({ selected: true, 'replication-method': 'FULL_TABLE' });
});

test('--select with --state resumes from it; --select with --test is a usage error', async () => {
  const first = await runTap(['--select', `${S}-orders`, '--replication-method', 'INCREMENTAL', '--replication-key', 'id'], { config });
  const state = lastState(first.messages);
  const again = await runTap(['--select', `${S}-orders`, '--replication-method', 'INCREMENTAL', '--replication-key', 'id'], { config, state });
  expect(again.code).toBe(0);
  expect(records(again)[`${S}-orders`].map((r) => r.id)).toEqual([5]);
  expectOneErrorLine(await runTap(['--test', '--select', `${S}-orders`], { config }), /--test cannot be combined with --select/);
  expectOneErrorLine(await runTap(['--select', `!${S}-orders`], { config }), /--select has only exclusions/);
});
