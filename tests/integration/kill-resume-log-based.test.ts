/**
 * LOG_BASED kill-and-resume: 20 runs SIGKILLed at seeded random points (in the snapshot and while
 * streaming), each resumed from the last STATE written, with inserts, updates (TOASTed values left
 * unchanged and rewritten, a stored generated column, key changes) and deletes while the tap runs
 * and between runs. All runs' output, applied in order as an upserting target that honours
 * ACTIVATE_VERSION would, must equal the table. A failure names TAP_TEST_SEED.
 */
import { expectNoneLost, killAfterBytes, killAndResume, pickIds, widePad } from '../helpers/kill';
import { byType, lastState } from '../helpers/messages';
import { expectOk, logicalFixture, type LogicalFixture } from '../helpers/logical';
import { applyUpserting } from '../helpers/upsert-loader';

const KILLS = 20;
const MIB = 1024 * 1024;
// Twenty-one runs of the tap and the writes between them: well under a minute on two idle cores.
const TIMEOUT_MS = 240_000;
const COLUMNS = ['id', 'n', 'pad', 'doc', 'twice'];
let f: LogicalFixture;

beforeAll(async () => {
  f = await logicalFixture(
    'kill_resume',
    `CREATE TABLE S.lb (id int PRIMARY KEY, n int NOT NULL, pad text, doc text, twice int GENERATED ALWAYS AS (n * 2) STORED);
     ALTER TABLE S.lb ALTER COLUMN doc SET STORAGE EXTERNAL;
     CREATE TABLE S.snap (id int PRIMARY KEY, pad text);`,
    ['lb', 'snap'],
    { state_interval: 50 },
  );
});

afterAll(async () => {
  await f.drop();
});

test(`${KILLS} kills, inserts, updates (TOAST unchanged, keys changed) and deletes between and during runs: the loaded rows equal the table`, async () => {
  const table = `${f.schema}.lb`;
  const stream = `${f.schema}-lb`;
  // Under 1 MiB to snapshot, so the kills fall while streaming (an interrupted snapshot starts
  // over: the next test); the writes between runs are more than 1 MiB of changes.
  let top = 500;
  // Every tenth row has a 3,200-character value stored out of line: an UPDATE that does not set it leaves it unchanged in the WAL.
  const doc = (salt: string, every = 'g % 10 = 0') => `CASE WHEN ${every} THEN (SELECT string_agg(md5(${salt} || '-' || x), '') FROM generate_series(1, 100) x) END`;
  await f.sql.unsafe(`INSERT INTO ${table} (id, n, pad, doc) SELECT g, 0, ${widePad("g || ''")}, ${doc("g || ''")} FROM generate_series(1, ${top}) g`);
  const change = async (random: () => number, transactions: number) => {
    for (let t = 0; t < transactions; t += 1) {
      const moved = top + 1;
      top += 6;
      await f.sql.begin(async (tx) => {
        await tx.unsafe(`UPDATE ${table} SET n = n + 1 WHERE id = ANY(${pickIds(random, 60, top)})`);
        await tx.unsafe(`UPDATE ${table} SET n = n + 1, pad = ${widePad("id || '-' || n")} WHERE id = ANY(${pickIds(random, 20, top)})`);
        await tx.unsafe(`UPDATE ${table} SET doc = ${doc("id || '-' || n", 'true')} WHERE id = ANY(${pickIds(random, 2, top)})`);
        await tx.unsafe(`DELETE FROM ${table} WHERE id = ANY(${pickIds(random, 4, top)})`);
        // A key change: the old key's delete and the complete row under the new key.
        await tx.unsafe(`UPDATE ${table} SET id = ${moved}, n = n + 1 WHERE id = ANY(${pickIds(random, 1, top)})`);
        await tx.unsafe(`INSERT INTO ${table} (id, n, pad, doc) SELECT g, 0, ${widePad("g || ''")}, ${doc("g || ''")} FROM generate_series(${moved + 1}, ${top}) g ON CONFLICT DO NOTHING`);
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

  const loaded = applyUpserting(chain.runs.flatMap((run) => run.messages), stream, ['id'], COLUMNS);
  const source = await f.sql.unsafe(`SELECT ${COLUMNS.join(', ')} FROM ${table} ORDER BY id`);
  const expected = new Map(source.map((r) => [JSON.stringify(r.id), JSON.stringify({ ...r })]));
  const keys = new Set([...expected.keys(), ...loaded.keys()]);
  const differ = [...keys].filter((k) => expected.get(k) !== JSON.stringify(loaded.get(k)));
  expectNoneLost(chain, differ.map((k) => `id ${k}: table ${expected.get(k)?.slice(0, 60)}, loaded ${JSON.stringify(loaded.get(k))?.slice(0, 60)}`));
  expect(loaded.size).toBe(source.length);
}, TIMEOUT_MS);

test('an interrupted snapshot starts over in a new table version: its ACTIVATE_VERSION drops the rows deleted in between', async () => {
  const table = `${f.schema}.snap`;
  const stream = `${f.schema}-snap`;
  await f.sql.unsafe(`INSERT INTO ${table} SELECT g, ${widePad("g || ''")} FROM generate_series(1, 1500) g`);
  const first = await f.run(['snap'], undefined, { onSpawn: killAfterBytes(MIB) });
  expect(first.signal).toBe('SIGKILL');
  const state1 = lastState(first.messages)!;
  const version1: number = state1.bookmarks[stream].version;
  expect(state1.bookmarks[stream].lsn).toBeUndefined();
  const sentFirst = byType(first.messages, 'RECORD').map((m) => m.record.id);
  expect(sentFirst.length).toBeGreaterThan(100);
  // Rows the interrupted copy sent, deleted before the next snapshot: no delete of theirs is ever streamed.
  await f.sql.unsafe(`DELETE FROM ${table} WHERE id = ANY(ARRAY[${sentFirst.slice(0, 50).join(',')}])`);

  const second = await f.run(['snap'], state1);
  const state2 = expectOk(second);
  const version2: number = state2.bookmarks[stream].version;
  expect(version2).toBeGreaterThan(version1);
  expect(new Set(byType(second.messages, 'RECORD').map((m) => m.version))).toEqual(new Set([version2]));
  const loaded = applyUpserting([...first.messages, ...second.messages], stream, ['id'], ['id']);
  expect(loaded.size).toBe(1450);
  expect(sentFirst.slice(0, 50).filter((id) => loaded.has(JSON.stringify(id)))).toEqual([]);
});
