/**
 * Kill-and-resume in each mode: 20 runs SIGKILLed at seeded random points, each resumed from the
 * last STATE written, with inserts, updates (rows moving to other pages, INCREMENTAL keys bumped,
 * LOG_BASED keys changed and TOASTed values left unchanged) and deletes while the tap runs and
 * between runs. No row that exists at the end may be missing from what the tap delivered.
 * A failure names TAP_TEST_SEED, which replays the same kill points and writes.
 */
import type postgres from 'postgres';
import { discover, select, type Catalog } from '../helpers/catalog';
import { adminSql, testConfig } from '../helpers/db';
import { killAndResume, type KillChain } from '../helpers/kill';
import { byType } from '../helpers/messages';
import { logicalFixture } from '../helpers/logical';
import { runTap } from '../helpers/run-tap';
import { applyUpserting } from '../helpers/upsert-loader';

const KILLS = 20;
const MIB = 1024 * 1024;
const SCHEMA = 'kill_resume';
// A database of its own: VACUUM frees space (for rows to move into) only behind the oldest
// snapshot of its database, and the other test files' long transactions must not hold it back.
const DB = 'tap_kill_resume';
let admin: postgres.Sql;
let sql: postgres.Sql;

/** 1,280 characters, under the TOAST threshold: about 1.4 kB of output per row. */
const pad = (salt: string) => `repeat(md5(${salt}), 40)`;
/** `count` distinct ids in [1, max] drawn from `random`. */
function ids(random: () => number, count: number, max: number): number[] {
  const picked = new Set<number>();
  while (picked.size < Math.min(count, max)) picked.add(1 + Math.floor(random() * max));
  return [...picked];
}
const list = (values: number[]) => `ARRAY[${values.join(',')}]::int[]`;

/** Rows of `rows` whose `id:n` is not among the delivered ones. */
function missing(rows: Array<Record<string, any>>, delivered: Set<string>, key: (r: Record<string, any>) => string): string[] {
  return rows.map(key).filter((k) => !delivered.has(k));
}

function expectNoneMissing(chain: KillChain, lost: string[]): void {
  // The seed and each run's kill point are in the difference jest prints.
  expect({ lost: lost.slice(0, 20), count: lost.length, seed: chain.seed, runs: chain.trace }).toEqual({ lost: [], count: 0, seed: chain.seed, runs: chain.trace });
}

beforeAll(async () => {
  admin = adminSql();
  await admin.unsafe(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE ${DB}`);
  sql = adminSql(DB);
  await sql.unsafe(`CREATE SCHEMA ${SCHEMA}`);
});

afterAll(async () => {
  await sql.end();
  await admin.unsafe(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.end();
});

test(`FULL_TABLE: ${KILLS} kills, rows moved, inserted and deleted between and during runs; the final version has every row`, async () => {
  const stream = `${SCHEMA}-ft`;
  let top = 4000;
  await sql.unsafe(`
    CREATE TABLE ${SCHEMA}.ft (id int PRIMARY KEY, n int NOT NULL, pad text);
    ALTER TABLE ${SCHEMA}.ft SET (autovacuum_enabled = false);
    INSERT INTO ${SCHEMA}.ft SELECT g, 0, ${pad("g || ''")} FROM generate_series(1, ${top}) g;`);
  const config = testConfig({ dbname: DB, filter_schemas: [SCHEMA], state_interval: 50 });
  const catalog = select(await discover(config), { [stream]: { 'replication-method': 'FULL_TABLE' } });
  const change = async (random: () => number, updates: number, inserts: number, deletes: number, vacuum: boolean) => {
    await sql.unsafe(`DELETE FROM ${SCHEMA}.ft WHERE id = ANY(${list(ids(random, deletes, top))})`);
    // Frees the deleted rows' space, so that updated rows may move to pages already sent.
    if (vacuum) await sql.unsafe(`VACUUM ${SCHEMA}.ft`);
    await sql.unsafe(`UPDATE ${SCHEMA}.ft SET n = n + 1, pad = ${pad("id || '-' || n")} WHERE id = ANY(${list(ids(random, updates, top))})`);
    await sql.unsafe(`INSERT INTO ${SCHEMA}.ft SELECT g, 0, ${pad("g || ''")} FROM generate_series(${top + 1}, ${top + inserts}) g`);
    top += inserts;
  };

  const chain = await killAndResume({
    label: 'kill-resume FULL_TABLE',
    kills: KILLS,
    run: (state, onSpawn) => runTap([], { config, catalog, state, onSpawn }),
    killAt: (random) => MIB + Math.floor(random() * 0.6 * MIB),
    during: (random) => change(random, 30, 20, 10, false),
    between: (random) => change(random, 150, 60, 80, true),
  });

  const resumed = chain.runs.filter((run) => /resuming FULL_TABLE at heap page/.test(run.stderr)).length;
  expect(resumed).toBeGreaterThanOrEqual(KILLS / 2);
  const version: number = chain.state.bookmarks[stream].version;
  const delivered = new Set(
    chain.runs.flatMap((run) => byType(run.messages, 'RECORD').filter((m) => m.stream === stream && m.version === version).map((m) => `${m.record.id}:${m.record.n}`)),
  );
  const last = chain.runs[chain.runs.length - 1];
  expect(byType(last.messages, 'ACTIVATE_VERSION').map((m) => m.version)).toContain(version);
  const live = await sql.unsafe(`SELECT id, n FROM ${SCHEMA}.ft`);
  expectNoneMissing(chain, missing(live, delivered, (r) => `${r.id}:${r.n}`));
});

test(`INCREMENTAL: ${KILLS} kills, keys bumped, rows inserted and deleted between and during runs; every row's last version is delivered`, async () => {
  const stream = `${SCHEMA}-inc`;
  let top = 4000;
  // Three rows share each key value: a kill inside such a group resumes at its key (>=).
  await sql.unsafe(`
    CREATE SEQUENCE ${SCHEMA}.inc_key;
    CREATE TABLE ${SCHEMA}.inc (id int PRIMARY KEY, k bigint NOT NULL, n int NOT NULL, pad text);
    CREATE INDEX ON ${SCHEMA}.inc (k);
    INSERT INTO ${SCHEMA}.inc SELECT g, nextval('${SCHEMA}.inc_key') / 3, 0, ${pad("g || ''")} FROM generate_series(1, ${top}) g;`);
  const config = testConfig({ dbname: DB, filter_schemas: [SCHEMA], state_interval: 50 });
  const catalog = select(await discover(config), { [stream]: { 'replication-method': 'INCREMENTAL', 'replication-key': 'k' } });
  // One writer, one statement at a time: a later commit never has an older key (README: what INCREMENTAL can miss).
  const change = async (random: () => number, updates: number, inserts: number, deletes: number) => {
    await sql.unsafe(`DELETE FROM ${SCHEMA}.inc WHERE id = ANY(${list(ids(random, deletes, top))})`);
    await sql.unsafe(`UPDATE ${SCHEMA}.inc SET k = nextval('${SCHEMA}.inc_key') / 3, n = n + 1, pad = ${pad("id || '-' || n")} WHERE id = ANY(${list(ids(random, updates, top))})`);
    await sql.unsafe(`INSERT INTO ${SCHEMA}.inc SELECT g, nextval('${SCHEMA}.inc_key') / 3, 0, ${pad("g || ''")} FROM generate_series(${top + 1}, ${top + inserts}) g`);
    top += inserts;
  };

  const chain = await killAndResume({
    label: 'kill-resume INCREMENTAL',
    kills: KILLS,
    run: (state, onSpawn) => runTap([], { config, catalog, state, onSpawn }),
    killAt: (random) => MIB + Math.floor(random() * 0.6 * MIB),
    during: (random) => change(random, 40, 20, 10),
    between: (random) => change(random, 900, 300, 100),
  });

  const delivered = new Set(
    chain.runs.flatMap((run) => byType(run.messages, 'RECORD').filter((m) => m.stream === stream).map((m) => `${m.record.id}:${m.record.k}:${m.record.n}`)),
  );
  const live = await sql.unsafe(`SELECT id, k::int AS k, n FROM ${SCHEMA}.inc`);
  expectNoneMissing(chain, missing(live, delivered, (r) => `${r.id}:${r.k}:${r.n}`));
});

test(`LOG_BASED: ${KILLS} kills, inserts, updates (TOAST unchanged, keys changed) and deletes between and during runs; the loaded rows equal the table`, async () => {
  const f = await logicalFixture(
    'kill_resume',
    `CREATE TABLE S.lb (id int PRIMARY KEY, n int NOT NULL, pad text, doc text, twice int GENERATED ALWAYS AS (n * 2) STORED);
     ALTER TABLE S.lb ALTER COLUMN doc SET STORAGE EXTERNAL;`,
    ['lb'],
    { state_interval: 50 },
  );
  try {
    const table = `${f.schema}.lb`;
    const stream = `${f.schema}-lb`;
    let top = 1000;
    // Every tenth row has a 3,200-character value stored out of line: an UPDATE that does not set it leaves it unchanged in the WAL.
    const doc = (salt: string) => `CASE WHEN g % 10 = 0 THEN (SELECT string_agg(md5(${salt} || '-' || x), '') FROM generate_series(1, 100) x) END`;
    await f.sql.unsafe(`INSERT INTO ${table} (id, n, pad, doc) SELECT g, 0, ${pad("g || ''")}, ${doc("g || ''")} FROM generate_series(1, ${top}) g`);
    const change = async (random: () => number, transactions: number) => {
      for (let t = 0; t < transactions; t += 1) {
        const moved = top + 1;
        top += 6;
        await f.sql.begin(async (tx) => {
          await tx.unsafe(`UPDATE ${table} SET n = n + 1 WHERE id = ANY(${list(ids(random, 60, top))})`);
          await tx.unsafe(`UPDATE ${table} SET n = n + 1, pad = ${pad("id || '-' || n")} WHERE id = ANY(${list(ids(random, 20, top))})`);
          await tx.unsafe(`UPDATE ${table} SET doc = ${doc(`id || '-' || n`).replace('g % 10 = 0', 'true')} WHERE id = ANY(${list(ids(random, 2, top))})`);
          await tx.unsafe(`DELETE FROM ${table} WHERE id = ANY(${list(ids(random, 4, top))})`);
          // Key changes: the old key's delete and the complete row under its new key.
          const [from] = ids(random, 1, top);
          await tx.unsafe(`UPDATE ${table} SET id = ${moved}, n = n + 1 WHERE id = ${from}`);
          await tx.unsafe(`INSERT INTO ${table} (id, n, pad, doc) SELECT g, 0, ${pad("g || ''")}, ${doc("g || ''")} FROM generate_series(${moved + 1}, ${top}) g ON CONFLICT DO NOTHING`);
        });
      }
    };

    const chain = await killAndResume({
      label: 'kill-resume LOG_BASED',
      kills: KILLS,
      run: (state, onSpawn) => f.run(['lb'], state, { onSpawn }),
      killAt: (random) => MIB + Math.floor(random() * 0.6 * MIB),
      during: (random) => change(random, 2),
      between: (random) => change(random, 10),
    });

    const columns = ['id', 'n', 'pad', 'doc', 'twice'];
    const loaded = applyUpserting(chain.runs.flatMap((run) => run.messages), stream, ['id'], columns);
    const source = await f.sql.unsafe(`SELECT ${columns.join(', ')} FROM ${table} ORDER BY id`);
    const expected = new Map(source.map((r) => [JSON.stringify(r.id), { ...r }]));
    const differ = [...new Set([...expected.keys(), ...loaded.keys()])].filter((k) => JSON.stringify(expected.get(k)) !== JSON.stringify(loaded.get(k)));
    expectNoneMissing(chain, differ.map((k) => `${k}: table ${JSON.stringify(expected.get(k))?.slice(0, 80)}, loaded ${JSON.stringify(loaded.get(k))?.slice(0, 80)}`));
    expect(loaded.size).toBe(source.length);
  } finally {
    await f.drop();
  }
});
