/**
 * Resumable full refresh: a `read` killed mid-table continues, with the state it wrote, from the
 * heap page it had reached — not from the start — and no row is missing.
 */
import type postgres from 'postgres';
import { airbyteConfig, configure, discoverAirbyte, expectValidAirbyteLines, nextState, recordsOf, runSource, statuses } from '../helpers/airbyte';
import { adminSql } from '../helpers/db';
import { killAfterBytes } from '../helpers/kill';

const SCHEMA = 'ab_resume';
const ROWS = 60_000;
const config = airbyteConfig({ schemas: [SCHEMA] });
let sql: postgres.Sql;

beforeAll(async () => {
  sql = adminSql();
  await sql.unsafe(`
    DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE;
    CREATE SCHEMA ${SCHEMA};
    CREATE TABLE ${SCHEMA}.big (id int PRIMARY KEY, payload text);
    INSERT INTO ${SCHEMA}.big SELECT g, repeat('x', 40) || g FROM generate_series(1, ${ROWS}) g;
  `);
});

afterAll(async () => {
  await sql.unsafe(`DROP SCHEMA ${SCHEMA} CASCADE`);
  await sql.end();
});

test('a full refresh killed mid-table resumes from its ctid position', async () => {
  const catalog = configure(await discoverAirbyte(config), { big: { sync_mode: 'full_refresh', destination_sync_mode: 'overwrite' } });
  const killed = await runSource(['read'], { config, catalog, onSpawn: killAfterBytes(2_500_000) });
  expect(killed.signal).toBe('SIGKILL');
  expect(statuses(killed.messages, 'big')).toEqual(['STARTED', 'RUNNING']);
  const state = nextState(killed.messages);
  expect(state).toHaveLength(1);
  const page = state[0].stream.stream_state.ctid_page as number;
  expect(page).toBeGreaterThan(0);
  const seen = new Set(recordsOf(killed.messages, 'big').map((r) => r.id));
  expect(seen.size).toBeGreaterThan(10_000);
  expect(seen.size).toBeLessThan(ROWS);

  const resumed = await runSource(['read'], { config, catalog, state });
  expect(resumed.code).toBe(0);
  expectValidAirbyteLines(resumed.stdout);
  expect(statuses(resumed.messages, 'big')).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);
  const again = recordsOf(resumed.messages, 'big').map((r) => r.id as number);
  // It starts at the saved page: the rows before it do not come again.
  expect(again.length).toBeLessThan(ROWS - 9_000);
  const [row] = await sql.unsafe(`SELECT count(*)::int AS n FROM ${SCHEMA}.big WHERE ctid < '(${page},0)'::tid`);
  expect(again.length).toBe(ROWS - row.n);
  for (const id of again) seen.add(id);
  expect(seen.size).toBe(ROWS);
  // Finished: the state no longer holds a position, so the next full refresh reads everything.
  const done = nextState(resumed.messages)[0].stream.stream_state;
  expect(done).not.toHaveProperty('ctid_page');
  expect((await runSource(['read'], { config, catalog, state: nextState(resumed.messages) })).messages.filter((m) => m.type === 'RECORD')).toHaveLength(ROWS);
});
