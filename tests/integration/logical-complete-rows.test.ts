/**
 * LOG_BASED records are complete rows: an unchanged TOASTed value and a stored generated column
 * (not in the WAL) are read back by key, batched, in WAL order; a row-replacing target loads
 * them intact.
 */
import { byType, expectValidSingerLines } from '../helpers/messages';
import { expectOk, logicalFixture, records, type LogicalFixture } from '../helpers/logical';
import { runTap } from '../helpers/run-tap';
import { loadUpserting } from '../helpers/upsert-loader';

let f: LogicalFixture;
const id = (table: string) => `${f.schema}-${table}`;
const exec = (text: string) => f.sql.unsafe(text.replace(/\bS\./g, `${f.schema}.`));
/** The statements as one transaction. */
const txn = (text: string) => f.sql.begin((tx) => tx.unsafe(text.replace(/\bS\./g, `${f.schema}.`)));
const strip = (r: Record<string, any>) => {
  const { _sdc_lsn, _sdc_deleted_at, ...rest } = r;
  return rest;
};
// 3,200 characters stored out of line, uncompressed: an UPDATE that does not set it leaves it 'u'.
const big = (seed: string) => `(SELECT string_agg(md5(${seed} || '-' || g), '') FROM generate_series(1, 100) g)`;

beforeAll(async () => {
  f = await logicalFixture(
    'complete',
    `CREATE TABLE S.docs (id int PRIMARY KEY, big text, small int, twice int GENERATED ALWAYS AS (small * 2) STORED);
     ALTER TABLE S.docs ALTER COLUMN big SET STORAGE EXTERNAL;
     CREATE TABLE S.target_docs (id int PRIMARY KEY, big text, small int, twice int);
     CREATE TABLE S.many (id int PRIMARY KEY, big text, n int);
     ALTER TABLE S.many ALTER COLUMN big SET STORAGE EXTERNAL;
     CREATE TABLE S.few (id int PRIMARY KEY, big text, n int);
     ALTER TABLE S.few ALTER COLUMN big SET STORAGE EXTERNAL;
     CREATE TABLE S.plain (id int PRIMARY KEY, n int);
     CREATE TABLE S.churn (id int PRIMARY KEY, big text, small int, twice int GENERATED ALWAYS AS (small * 2) STORED);
     ALTER TABLE S.churn ALTER COLUMN big SET STORAGE EXTERNAL;
     CREATE TABLE S.target_churn (id int PRIMARY KEY, big text, small int, twice int);
     CREATE TABLE S.full_toast (id int PRIMARY KEY, big text);
     ALTER TABLE S.full_toast REPLICA IDENTITY FULL;
     CREATE TABLE S.parts (id int, at date, big text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
     CREATE TABLE S.parts_2023 PARTITION OF S.parts FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
     CREATE TABLE S.parts_2024 PARTITION OF S.parts FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
     ALTER TABLE S.parts_2023 ALTER COLUMN big SET STORAGE EXTERNAL;
     ALTER TABLE S.parts_2024 ALTER COLUMN big SET STORAGE EXTERNAL;`,
    ['docs', 'many', 'few', 'plain', 'full_toast', 'parts', 'churn'],
  );
  await exec(`INSERT INTO S.docs (id, big, small) SELECT i, ${big('i::text')}, i FROM generate_series(1, 4) i`);
});

afterAll(async () => {
  await f.drop();
});

test('a row-replacing target loads unchanged TOAST values and generated columns intact, key changes included', async () => {
  const target = { table: `${f.schema}.target_docs`, key: ['id'], columns: ['id', 'big', 'small', 'twice'] };
  const run1 = await f.run(['docs']);
  const state1 = expectOk(run1);
  await loadUpserting(f.sql, run1.messages, id('docs'), target);

  await exec(`UPDATE S.docs SET small = 10 WHERE id = 1;
              UPDATE S.docs SET id = 20, small = 20 WHERE id = 2;
              INSERT INTO S.docs (id, big, small) VALUES (5, 'five', 5);`);
  await txn(`UPDATE S.docs SET small = 30 WHERE id = 3; UPDATE S.docs SET small = 31 WHERE id = 3;`);
  const run2 = await f.run(['docs'], state1);
  expectOk(run2);
  expectValidSingerLines(run2.stdout);
  const [current] = await f.sql.unsafe(`SELECT json_object_agg(id, big) AS big FROM ${f.schema}.docs`);
  const shape = (r: Record<string, any>) => ({ ...strip(r), deleted: r._sdc_deleted_at !== null });
  expect(records(run2, id('docs')).map(shape)).toEqual([
    { id: 1, big: current.big['1'], small: 10, twice: 20, deleted: false },
    { id: 2, deleted: true },
    { id: 20, big: current.big['20'], small: 20, twice: 40, deleted: false },
    { id: 5, big: 'five', small: 5, twice: 10, deleted: false },
    // The read-back gives the row's current value: both records of id 3 carry the last one.
    { id: 3, big: current.big['3'], small: 30, twice: 62, deleted: false },
    { id: 3, big: current.big['3'], small: 31, twice: 62, deleted: false },
  ]);
  expect(current.big['20'].length).toBe(3200);

  await loadUpserting(f.sql, run2.messages, id('docs'), target);
  const source = await f.sql.unsafe(`SELECT id, big, small, twice FROM ${f.schema}.docs ORDER BY id`);
  const loaded = await f.sql.unsafe(`SELECT id, big, small, twice FROM ${f.schema}.target_docs ORDER BY id`);
  expect(loaded).toEqual(source);
});

test('three concurrent writers (TOAST kept and rewritten, key changes, deletes, rollbacks): the loaded table equals the source', async () => {
  await exec(`INSERT INTO S.churn (id, big, small) SELECT w * 10000 + i, ${big("w || '-' || i")}, i FROM generate_series(0, 2) w, generate_series(1, 40) i`);
  const target = { table: `${f.schema}.target_churn`, key: ['id'], columns: ['id', 'big', 'small', 'twice'] };
  const run1 = await f.run(['churn']);
  const state1 = expectOk(run1);
  await loadUpserting(f.sql, run1.messages, id('churn'), target);
  // A seeded generator per writer: the same statements on every run.
  const writer = async (w: number) => {
    let seed = 7 + w;
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    let nextKey = 1000;
    for (let t = 0; t < 25; t += 1) {
      const at = () => w * 10000 + 1 + next(40 + nextKey - 1000);
      const statements = [
        `UPDATE S.churn SET small = small + 1 WHERE id = ${at()}`,
        `UPDATE S.churn SET id = ${w * 10000 + nextKey++}, small = small + 2 WHERE id = ${at()}`,
        `UPDATE S.churn SET big = ${big(`'${w}-${t}'`)} WHERE id = ${at()}`,
        `DELETE FROM S.churn WHERE id = ${at()}`,
        `INSERT INTO S.churn (id, big, small) VALUES (${w * 10000 + nextKey++}, ${big(`'n${w}-${t}'`)}, ${t})`,
      ];
      const picked = [statements[next(5)], statements[next(5)], statements[0]];
      await f.sql.begin(async (tx) => {
        await tx.unsafe(picked[0].replace(/\bS\./g, `${f.schema}.`));
        await tx.savepoint(async (sp) => {
          await sp.unsafe(picked[1].replace(/\bS\./g, `${f.schema}.`));
          if (next(3) === 0) throw new Error('rolled back');
        }).catch(() => undefined);
        await tx.unsafe(picked[2].replace(/\bS\./g, `${f.schema}.`));
      });
    }
  };
  await Promise.all([0, 1, 2].map(writer));
  const run2 = await f.run(['churn'], state1);
  expectOk(run2);
  await loadUpserting(f.sql, run2.messages, id('churn'), target);
  const source = await f.sql.unsafe(`SELECT id, big, small, twice FROM ${f.schema}.churn ORDER BY id`);
  const loaded = await f.sql.unsafe(`SELECT id, big, small, twice FROM ${f.schema}.target_churn ORDER BY id`);
  expect(loaded.length).toBeGreaterThan(100);
  expect(loaded).toEqual(source);
});

test('many changes in one transaction: one read-back query per table per batch, records in WAL order', async () => {
  await exec(`INSERT INTO S.many SELECT i, ${big('i::text')}, 0 FROM generate_series(1, 2500) i;
              INSERT INTO S.few SELECT i, ${big('i::text')}, 0 FROM generate_series(1, 10) i;
              INSERT INTO S.plain SELECT i, 0 FROM generate_series(1, 10) i;`);
  const state1 = expectOk(await f.run(['many', 'few', 'plain']));
  await txn(`UPDATE S.plain SET n = 1 WHERE id = 1; UPDATE S.many SET n = id; UPDATE S.plain SET n = 2 WHERE id = 2;
             UPDATE S.few SET n = id; UPDATE S.plain SET n = 3 WHERE id = 3;`);
  const run = await f.run(['many', 'few', 'plain'], state1, { config: { ...f.config, log_level: "debug" } });
  expectOk(run);
  // 2,500 held-back changes of `many`: a batch of 2,000, then the rest with `few` at the commit.
  const reads = [...run.stderr.matchAll(/(\S+): read back big of (\d+) row\(s\) in one query/g)].map((m) => [m[1], Number(m[2])]);
  expect(reads).toEqual([
    [id('many'), 2000],
    [id('many'), 500],
    [id('few'), 10],
  ]);
  const bigs = new Map<number, string>((await f.sql.unsafe(`SELECT id, big FROM ${f.schema}.many`)).map((r) => [r.id, r.big]));
  const many = records(run, id('many'));
  expect(many).toHaveLength(2500);
  for (const r of many) expect(r.big).toBe(bigs.get(r.id));
  const lsns = byType(run.messages, 'RECORD').map((m) => m.record._sdc_lsn);
  expect(lsns).toEqual([...lsns].sort((a, b) => a - b));
  expect(byType(run.messages, 'RECORD').filter((m) => m.stream === id('plain')).map((m) => m.record.n)).toEqual([1, 2, 3]);
  expect(records(run, id('few')).every((r) => r.big.length === 3200)).toBe(true);
});

test('a row deleted before the read-back: its update leaves the value out, the delete follows, a warning says so', async () => {
  await exec(`INSERT INTO S.docs (id, big, small) VALUES (7, ${big("'7'")}, 7)`);
  const state1 = expectOk(await f.run(['docs']));
  await exec(`UPDATE S.docs SET small = 70 WHERE id = 7; DELETE FROM S.docs WHERE id = 7`);
  const run = await f.run(['docs'], state1);
  expectOk(run);
  const [update, remove] = records(run, id('docs'));
  expect(strip(update)).toEqual({ id: 7, small: 70 });
  expect(strip(remove)).toEqual({ id: 7 });
  expect(remove._sdc_deleted_at).not.toBeNull();
  expect(run.stderr).toMatch(/1 record\(s\) leave out value\(s\) the WAL did not carry: the row no longer existed/);
});

test('a partitioned table: rows of its partitions are read back through the parent, by its key; a row moved away by then is left out', async () => {
  await exec(`INSERT INTO S.parts VALUES (1, '2023-05-01', ${big("'a'")}), (2, '2024-05-01', ${big("'b'")})`);
  const state1 = expectOk(await f.run(['parts']));
  await exec(`UPDATE S.parts SET id = id + 10; UPDATE S.parts SET at = '2024-06-01' WHERE id = 11`);
  const run = await f.run(['parts'], state1);
  expectOk(run);
  const bigs = new Map<number, string>((await f.sql.unsafe(`SELECT id, big FROM ${f.schema}.parts`)).map((r) => [r.id, r.big]));
  const upserts = records(run, id('parts')).filter((r) => r._sdc_deleted_at === null);
  // 11 moved to the 2024 partition last: a delete from 2023 and an insert into 2024 in the WAL.
  expect(upserts.map((r) => [r.id, r.at])).toEqual([
    [11, '2023-05-01'],
    [12, '2024-05-01'],
    [11, '2024-06-01'],
  ]);
  // (11, 2023-05-01) no longer exists at the read-back (it moved; its delete follows): left out.
  expect(upserts.map((r) => r.big)).toEqual([undefined, bigs.get(12), bigs.get(11)]);
  expect(bigs.get(12)).toHaveLength(3200);
  expect(run.stderr).toMatch(/1 record\(s\) leave out value\(s\)/);
});

test('--test and the start of a run name the tables whose TOAST values are read back', async () => {
  const run = await f.run(['docs', 'full_toast', 'plain']);
  expectOk(run);
  const line = run.stderr.split('\n').find((l) => l.includes('TOASTable columns and no REPLICA IDENTITY FULL')) ?? '';
  expect(line).toMatch(/WARN/);
  expect(line).toContain(`${f.schema}.docs (big)`);
  expect(line).not.toContain('full_toast');
  expect(line).not.toContain('plain');
  const test = await runTap(['--test'], { config: f.config });
  expect(test.code).toBe(0);
  expect(test.stderr).toMatch(
    new RegExp(`TOASTable columns and no REPLICA IDENTITY FULL: ${f.schema}\\.churn \\(big\\), ${f.schema}\\.docs \\(big\\), ${f.schema}\\.few \\(big\\), ${f.schema}\\.many \\(big\\), ${f.schema}\\.parts \\(big\\);`),
  );
});
