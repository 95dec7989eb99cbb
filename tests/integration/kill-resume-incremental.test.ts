/**
 * INCREMENTAL kill-and-resume: 20 runs SIGKILLed at seeded random points, each resumed from the
 * last STATE written, with replication keys bumped, rows inserted and deleted while the tap runs
 * and between runs. Every row that exists at the end must have been delivered as it is then.
 * A failure names TAP_TEST_SEED.
 */
import { discover, select } from '../helpers/catalog';
import { adminSql, testConfig } from '../helpers/db';
import { expectNoneLost, killAndResume, pickIds, widePad } from '../helpers/kill';
import { byType } from '../helpers/messages';
import { runTap } from '../helpers/run-tap';

const KILLS = 20;
const MIB = 1024 * 1024;
// Twenty-one runs of the tap and the writes between them: well under a minute on two idle cores.
const TIMEOUT_MS = 240_000;
const SCHEMA = 'kill_resume_inc';
const STREAM = `${SCHEMA}-inc`;
const sql = adminSql();

afterAll(async () => {
  await sql.unsafe(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await sql.end();
});

test(`${KILLS} kills, keys bumped, rows inserted and deleted between and during runs: every row's last version is delivered`, async () => {
  let top = 4000;
  const table = `${SCHEMA}.inc`;
  // Three rows share each key value: a kill inside such a group resumes at its key (>=).
  await sql.unsafe(`
    DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE;
    CREATE SCHEMA ${SCHEMA};
    CREATE SEQUENCE ${SCHEMA}.inc_key;
    CREATE TABLE ${table} (id int PRIMARY KEY, k bigint NOT NULL, n int NOT NULL, pad text);
    CREATE INDEX ON ${table} (k);
    INSERT INTO ${table} SELECT g, nextval('${SCHEMA}.inc_key') / 3, 0, ${widePad("g || ''")} FROM generate_series(1, ${top}) g;`);
  const config = testConfig({ filter_schemas: [SCHEMA], state_interval: 50 });
  const catalog = select(await discover(config), { [STREAM]: { 'replication-method': 'INCREMENTAL', 'replication-key': 'k' } });
  // One writer, one statement at a time: no commit comes later with an older key (README: what INCREMENTAL can miss).
  const change = async (random: () => number, updates: number, inserts: number, deletes: number) => {
    await sql.unsafe(`DELETE FROM ${table} WHERE id = ANY(${pickIds(random, deletes, top)})`);
    await sql.unsafe(`UPDATE ${table} SET k = nextval('${SCHEMA}.inc_key') / 3, n = n + 1, pad = ${widePad("id || '-' || n")} WHERE id = ANY(${pickIds(random, updates, top)})`);
    await sql.unsafe(`INSERT INTO ${table} SELECT g, nextval('${SCHEMA}.inc_key') / 3, 0, ${widePad("g || ''")} FROM generate_series(${top + 1}, ${top + inserts}) g`);
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
    chain.runs.flatMap((run) => byType(run.messages, 'RECORD').filter((m) => m.stream === STREAM).map((m) => `${m.record.id}:${m.record.k}:${m.record.n}`)),
  );
  const live = await sql.unsafe(`SELECT id, k::int AS k, n FROM ${table}`);
  expectNoneLost(chain, live.map((r) => `${r.id}:${r.k}:${r.n}`).filter((row) => !delivered.has(row)));
}, TIMEOUT_MS);
