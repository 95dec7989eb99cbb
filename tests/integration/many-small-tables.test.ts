/**
 * Many small tables: the number of STATE messages follows the records written (one every
 * state_interval records, or every few seconds), not the number of streams, and a run killed
 * mid-way and resumed from its last STATE still delivers every row of every table.
 */
import type postgres from 'postgres';
import { discover, select, type Catalog } from '../helpers/catalog';
import { adminSql, testConfig } from '../helpers/db';
import { killAfterBytes, seededOffset } from '../helpers/kill';
import { byType, expectValidSingerLines, lastState } from '../helpers/messages';
import { runTap } from '../helpers/run-tap';

const SCHEMA = 'small_many';
const TABLES = 300;
const ROWS = 10;
const INTERVAL = 50;
const config = testConfig({ filter_schemas: [SCHEMA], state_interval: INTERVAL });
let sql: postgres.Sql;
let catalog: Catalog;

const table = (n: number) => `t_${String(n).padStart(3, '0')}`;
const streamIds = Array.from({ length: TABLES }, (_, i) => `${SCHEMA}-${table(i + 1)}`);

function selectAll(method: Record<string, unknown>): Catalog {
  return select(catalog, Object.fromEntries(streamIds.map((id) => [id, method])));
}

/** stream → ids of its RECORDs among `messages`. */
function idsByStream(messages: Array<Record<string, any>>): Map<string, Set<number>> {
  const found = new Map<string, Set<number>>();
  for (const m of byType(messages, 'RECORD')) {
    const ids = found.get(m.stream) ?? new Set<number>();
    ids.add(m.record.id as number);
    found.set(m.stream, ids);
  }
  return found;
}

beforeAll(async () => {
  sql = adminSql();
  await sql.unsafe(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA};`);
  await sql.unsafe(`
    DO $$ BEGIN
      FOR n IN 1..${TABLES} LOOP
        EXECUTE format('CREATE TABLE ${SCHEMA}.%I (id int PRIMARY KEY, v text)', 't_' || lpad(n::text, 3, '0'));
        EXECUTE format('INSERT INTO ${SCHEMA}.%I SELECT g, ''v'' || g FROM generate_series(1, ${ROWS}) g', 't_' || lpad(n::text, 3, '0'));
      END LOOP;
    END $$`);
  catalog = await discover(config);
}, 120_000);

afterAll(async () => {
  await sql.unsafe(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await sql.end();
});

test(`${TABLES} tables of ${ROWS} rows: every row, and STATE messages bounded by the records, not the streams`, async () => {
  const run = await runTap([], { config, catalog: selectAll({ 'replication-method': 'FULL_TABLE' }), timeoutMs: 110_000 });
  expect(run.stderr).not.toMatch(/ERROR/);
  expect(run.code).toBe(0);
  expectValidSingerLines(run.stdout);
  const found = idsByStream(run.messages);
  expect([...found.keys()].sort()).toEqual(streamIds);
  for (const ids of found.values()) expect(ids.size).toBe(ROWS);
  // One per state_interval records, plus those due by time (a slow machine) and the first and last.
  const states = byType(run.messages, 'STATE').length;
  expect(states).toBeGreaterThanOrEqual((TABLES * ROWS) / INTERVAL / 2);
  expect(states).toBeLessThan(TABLES / 3);
  expect(lastState(run.messages)).toMatchObject({ currently_syncing: null });
  expect(Object.keys(lastState(run.messages)?.bookmarks ?? {}).sort()).toEqual(streamIds);
}, 120_000);

test('SIGKILL mid-way, then a run with the last STATE: every row of every table arrives, none claimed before it was written', async () => {
  const incremental = selectAll({ 'replication-method': 'INCREMENTAL', 'replication-key': 'id' });
  const kill = killAfterBytes(seededOffset('many small tables kill', 40_000, 200_000));
  const first = await runTap([], { config, catalog: incremental, onSpawn: kill, timeoutMs: 110_000 });
  expect(first.signal).toBe('SIGKILL');
  // Only the records written before the last STATE count: that STATE is what the target keeps.
  const lastStateAt = first.messages.map((m) => m.type).lastIndexOf('STATE');
  expect(lastStateAt).toBeGreaterThan(0);
  const beforeState = first.messages.slice(0, lastStateAt);
  const state = first.messages[lastStateAt].value;
  expect(state.currently_syncing).toEqual(expect.stringMatching(new RegExp(`^${SCHEMA}-t_`)));
  const second = await runTap([], { config, catalog: incremental, state, timeoutMs: 110_000 });
  expect(second.stderr).not.toMatch(/ERROR/);
  expect(second.code).toBe(0);
  const before = idsByStream(beforeState);
  const after = idsByStream(second.messages);
  for (const id of streamIds) {
    const union = new Set([...(before.get(id) ?? []), ...(after.get(id) ?? [])]);
    expect([id, union.size]).toEqual([id, ROWS]);
  }
  // The resumed run skips what the STATE says is done: streams finished before it send only
  // the row holding their bookmark again.
  const done = Object.entries(state.bookmarks as Record<string, { replication_key_value?: number }>).filter(([, b]) => b.replication_key_value === ROWS);
  expect(done.length).toBeGreaterThan(0);
  for (const [id] of done) expect([id, [...(after.get(id) ?? [])]]).toEqual([id, [ROWS]]);
}, 240_000);
