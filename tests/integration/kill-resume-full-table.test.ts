/**
 * FULL_TABLE kill-and-resume: 20 runs SIGKILLed at seeded random points, each resumed from the
 * last STATE written, with rows updated (moving to other pages, also below the resume page once
 * VACUUM freed space there), inserted and deleted while the tap runs and between runs. Every row
 * that exists at the end must be in the final table version. A failure names TAP_TEST_SEED.
 */
import type postgres from 'postgres';
import { discover, select } from '../helpers/catalog';
import { adminSql, testConfig } from '../helpers/db';
import { expectNoneLost, killAndResume, pickIds, widePad } from '../helpers/kill';
import { byType } from '../helpers/messages';
import { runTap } from '../helpers/run-tap';

const KILLS = 20;
const MIB = 1024 * 1024;
// Twenty-one runs of the tap and the writes between them: well under a minute on two idle cores.
const TIMEOUT_MS = 240_000;
// A database of its own: VACUUM frees space (for rows to move into) only behind the oldest
// snapshot of its database, and the other test files' long transactions must not hold it back.
const DB = 'tap_kill_resume_ft';
let admin: postgres.Sql;
let sql: postgres.Sql;

beforeAll(async () => {
  admin = adminSql();
  await admin.unsafe(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE ${DB}`);
  sql = adminSql(DB);
});

afterAll(async () => {
  await sql.end();
  await admin.unsafe(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.end();
});

// The table read with one plain scan (ctid positions), and read in chunks of pages on one
// connection and on two (positions: the finished chunks), as a large table is.
// A cut-short chunk is sent again whole (here up to about 350 KB each, one per connection), so
// the chunked runs get a larger output budget before their kill, for their versions to end too.
test.each([
  ['one plain scan', 'kill_resume', {}, 1],
  ['chunks, one connection', 'kill_resume_chunks', { slice_min_pages: 8, max_parallel_slices: 1 }, 2],
  ['chunks, two connections', 'kill_resume_slices', { slice_min_pages: 8, max_parallel_slices: 2 }, 2],
])(`${KILLS} kills, rows moved, inserted and deleted between and during runs: the final version has every row (%s)`, async (_how, SCHEMA, reading, budget) => {
  const STREAM = `${SCHEMA}-ft`;
  let top = 4000;
  await sql.unsafe(`
    CREATE SCHEMA ${SCHEMA};
    CREATE TABLE ${SCHEMA}.ft (id int PRIMARY KEY, n int NOT NULL, pad text);
    ALTER TABLE ${SCHEMA}.ft SET (autovacuum_enabled = false);
    INSERT INTO ${SCHEMA}.ft SELECT g, 0, ${widePad("g || ''")} FROM generate_series(1, ${top}) g;`);
  const config = testConfig({ dbname: DB, filter_schemas: [SCHEMA], state_interval: 50, ...reading });
  const catalog = select(await discover(config), { [STREAM]: { 'replication-method': 'FULL_TABLE' } });
  const change = async (random: () => number, updates: number, inserts: number, deletes: number, vacuum: boolean) => {
    await sql.unsafe(`DELETE FROM ${SCHEMA}.ft WHERE id = ANY(${pickIds(random, deletes, top)})`);
    // Frees the deleted rows' space, so that updated rows may move to pages already sent.
    if (vacuum) await sql.unsafe(`VACUUM ${SCHEMA}.ft`);
    await sql.unsafe(`UPDATE ${SCHEMA}.ft SET n = n + 1, pad = ${widePad("id || '-' || n")} WHERE id = ANY(${pickIds(random, updates, top)})`);
    await sql.unsafe(`INSERT INTO ${SCHEMA}.ft SELECT g, 0, ${widePad("g || ''")} FROM generate_series(${top + 1}, ${top + inserts}) g`);
    top += inserts;
  };

  const chain = await killAndResume({
    label: `kill-resume FULL_TABLE (${SCHEMA})`,
    kills: KILLS,
    run: (state, onSpawn) => runTap([], { config, catalog, state, onSpawn }),
    killAt: (random) => budget * MIB + Math.floor(random() * 0.6 * budget * MIB),
    during: (random) => change(random, 30, 20, 10, false),
    between: (random) => change(random, 150, 60, 80, true),
  });

  // Most kills leave a version part-sent: the next run resumes it.
  const resumed = chain.runs.filter((run) => /resuming FULL_TABLE at heap page|resuming with \d+ heap pages already sent/.test(run.stderr)).length;
  expect(resumed).toBeGreaterThanOrEqual(KILLS / 2);
  // And versions end although every resume finds rows changed below its page: each resumed run
  // that got past them moves the horizon up, so the next one does not send them again.
  const completed = chain.runs.slice(0, -1).filter((run) => run.code === 0).length;
  expect({ completed: completed > 0, seed: chain.seed, runs: chain.trace }).toEqual({ completed: true, seed: chain.seed, runs: chain.trace });
  const version: number = chain.state.bookmarks[STREAM].version;
  const last = chain.runs[chain.runs.length - 1];
  expect(byType(last.messages, 'ACTIVATE_VERSION').map((m) => m.version)).toContain(version);
  const delivered = new Set(
    chain.runs.flatMap((run) => byType(run.messages, 'RECORD').filter((m) => m.stream === STREAM && m.version === version).map((m) => `${m.record.id}:${m.record.n}`)),
  );
  const live = await sql.unsafe(`SELECT id, n FROM ${SCHEMA}.ft`);
  expectNoneLost(chain, live.map((r) => `${r.id}:${r.n}`).filter((row) => !delivered.has(row)));
}, TIMEOUT_MS);
