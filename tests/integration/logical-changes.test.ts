/** LOG_BASED change handling: TRUNCATE, TOAST, partitions, new columns, several tables, a table added later. */
import { byType, expectValidSingerLines } from '../helpers/messages';
import { expectOk, logicalFixture, records, VIA_ROOT, type LogicalFixture } from '../helpers/logical';

let f: LogicalFixture;
const id = (table: string) => `${f.schema}-${table}`;
const exec = (text: string) => f.sql.unsafe(text.replace(/\bS\./g, `${f.schema}.`));
const strip = (r: Record<string, any>) => {
  const { _sdc_lsn, _sdc_deleted_at, ...rest } = r;
  return rest;
};

beforeAll(async () => {
  f = await logicalFixture(
    'changes',
    `CREATE TABLE S.trunc (id int PRIMARY KEY, v text);
     INSERT INTO S.trunc VALUES (1, 'a'), (2, 'b');
     CREATE TABLE S.toast_default (id int PRIMARY KEY, big text, small int);
     CREATE TABLE S.toast_full (id int PRIMARY KEY, big text, small int);
     ALTER TABLE S.toast_full REPLICA IDENTITY FULL;
     CREATE TABLE S.events (id int, at date, note text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
     CREATE TABLE S.events_2023 PARTITION OF S.events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
     CREATE TABLE S.events_2024 PARTITION OF S.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
     INSERT INTO S.events VALUES (1, '2023-05-01', 'old');
     CREATE TABLE S.grows (id int PRIMARY KEY, v text);
     INSERT INTO S.grows VALUES (1, 'one');
     CREATE TABLE S.a (id int PRIMARY KEY, v text);
     CREATE TABLE S.b (id int PRIMARY KEY, v text);
     INSERT INTO S.a VALUES (1, 'a1'); INSERT INTO S.b VALUES (1, 'b1');
     CREATE TABLE S.rekey (id int PRIMARY KEY, v text);
     CREATE TABLE S.rekey_full (id int PRIMARY KEY, v text);
     ALTER TABLE S.rekey_full REPLICA IDENTITY FULL;
     INSERT INTO S.rekey VALUES (1, 'one'), (2, 'two'); INSERT INTO S.rekey_full VALUES (1, 'one'), (2, 'two');`,
    ['trunc', 'toast_default', 'toast_full', 'events', 'grows', 'a', 'b', 'rekey', 'rekey_full'],
  );
});

afterAll(async () => {
  await f.drop();
});

test('TRUNCATE: a new table version, ACTIVATE_VERSION, later rows in the new version', async () => {
  const state1 = expectOk(await f.run(['trunc']));
  const v1 = state1.bookmarks[id('trunc')].version;
  await exec(`TRUNCATE S.trunc; INSERT INTO S.trunc VALUES (3, 'c')`);
  const run = await f.run(['trunc'], state1);
  const state2 = expectOk(run);
  expectValidSingerLines(run.stdout);
  const changes = run.messages.filter((m) => m.type === 'ACTIVATE_VERSION' || m.type === 'RECORD');
  expect(changes.map((m) => m.type)).toEqual(['ACTIVATE_VERSION', 'RECORD']);
  const v2 = changes[0].version;
  expect(v2).toBeGreaterThan(v1);
  expect(changes[1].version).toBe(v2);
  expect(strip(changes[1].record)).toEqual({ id: 3, v: 'c' });
  expect(state2.bookmarks[id('trunc')].version).toBe(v2);
  expect(run.stderr).toMatch(/TRUNCATE/);
});

test('unchanged TOAST values: read back by key with the default replica identity, the old value with FULL', async () => {
  const big = `(SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 400))`;
  await exec(`INSERT INTO S.toast_default VALUES (1, ${big}, 1); INSERT INTO S.toast_full VALUES (1, ${big}, 1)`);
  const state1 = expectOk(await f.run(['toast_default', 'toast_full']));
  const [{ big: bigDefault }] = await f.sql.unsafe(`SELECT big FROM ${f.schema}.toast_default`);
  const [{ big: bigFull }] = await f.sql.unsafe(`SELECT big FROM ${f.schema}.toast_full`);
  expect(bigDefault.length).toBe(12800);
  await exec(`UPDATE S.toast_default SET small = 2; UPDATE S.toast_full SET small = 2`);
  const run = await f.run(['toast_default', 'toast_full'], state1);
  expectOk(run);
  const [withDefault] = records(run, id('toast_default'));
  expect(strip(withDefault)).toEqual({ id: 1, big: bigDefault, small: 2 });
  const [withFull] = records(run, id('toast_full'));
  expect(strip(withFull)).toEqual({ id: 1, big: bigFull, small: 2 });
});

test(`partitioned table: ${VIA_ROOT ? 'changes of the partitions arrive under the parent stream' : 'before 13, exit 2: select the partitions'}`, async () => {
  if (!VIA_ROOT) {
    const refused = await f.run(['events']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(`table "${f.schema}"."events" is partitioned, and before PostgreSQL 13`);
    return;
  }
  const state1 = expectOk(await f.run(['events']));
  await exec(`INSERT INTO S.events VALUES (2, '2024-02-29', 'new'), (3, '2023-12-31', 'older');
              UPDATE S.events SET note = 'changed' WHERE id = 1; DELETE FROM S.events WHERE id = 3`);
  const run = await f.run(['events'], state1);
  expectOk(run);
  expect(new Set(byType(run.messages, 'RECORD').map((m) => m.stream))).toEqual(new Set([id('events')]));
  expect(records(run, id('events')).map(strip)).toEqual([
    { id: 2, at: '2024-02-29', note: 'new' },
    { id: 3, at: '2023-12-31', note: 'older' },
    { id: 1, at: '2023-05-01', note: 'changed' },
    { id: 3, at: '2023-12-31' },
  ]);
});

test('a column added by ALTER TABLE: a new SCHEMA (typed column) before the first record carrying it', async () => {
  const state1 = expectOk(await f.run(['grows']));
  await exec(`INSERT INTO S.grows VALUES (2, 'two'); ALTER TABLE S.grows ADD COLUMN extra numeric; INSERT INTO S.grows VALUES (3, 'three', 3.25)`);
  // The catalog is the one discovered before the ALTER.
  const run = await f.run(['grows'], state1);
  expectOk(run);
  expectValidSingerLines(run.stdout);
  const kinds = run.messages.filter((m) => m.type !== 'STATE').map((m) => (m.type === 'RECORD' ? m.record.id : m.type));
  expect(kinds).toEqual(['SCHEMA', 2, 3]);
  const [schema] = byType(run.messages, 'SCHEMA');
  expect(schema.schema.properties.extra).toEqual({ type: ['null', 'number'] });
  const [two, three] = records(run, id('grows'));
  // The row written before the column existed is not in the WAL with it: its current value is read back.
  expect(strip(two)).toEqual({ id: 2, v: 'two', extra: null });
  expect(strip(three)).toEqual({ id: 3, v: 'three', extra: 3.25 });
});

test('several tables in one pass; a table added later is snapshotted alone', async () => {
  const state1 = expectOk(await f.run(['a']));
  expect(state1.bookmarks[id('b')]).toBeUndefined();
  await exec(`INSERT INTO S.a VALUES (2, 'a2'); INSERT INTO S.b VALUES (2, 'b2')`);
  const run2 = await f.run(['a', 'b'], state1);
  const state2 = expectOk(run2);
  // a streams (only its new row), b is snapshotted (both rows), not streamed twice
  expect(records(run2, id('a')).map(strip)).toEqual([{ id: 2, v: 'a2' }]);
  expect(records(run2, id('b')).map(strip)).toEqual([{ id: 1, v: 'b1' }, { id: 2, v: 'b2' }]);
  expect(state2.bookmarks[id('a')].version).toBe(state1.bookmarks[id('a')].version);
  expect(byType(run2.messages, 'ACTIVATE_VERSION').map((m) => m.stream)).toEqual([id('b'), id('b')]);

  await exec(`INSERT INTO S.a VALUES (3, 'a3'); INSERT INTO S.b VALUES (3, 'b3'); UPDATE S.a SET v = 'A1' WHERE id = 1`);
  const run3 = await f.run(['a', 'b'], state2);
  const state3 = expectOk(run3);
  expect(run3.stderr.match(/LOG_BASED streaming starts/g)).toHaveLength(1);
  expect(records(run3, id('a')).map(strip)).toEqual([{ id: 3, v: 'a3' }, { id: 1, v: 'A1' }]);
  expect(records(run3, id('b')).map(strip)).toEqual([{ id: 3, v: 'b3' }]);
  expect(byType(run3.messages, 'ACTIVATE_VERSION')).toEqual([]);
  expect(state3.bookmarks[id('a')].lsn).toBe(state3.bookmarks[id('b')].lsn);
});

test('an UPDATE that changes the primary key: a delete of the old key, then the new row', async () => {
  const state1 = expectOk(await f.run(['rekey', 'rekey_full']));
  await exec(`UPDATE S.rekey SET id = 10 WHERE id = 1; UPDATE S.rekey SET v = 'TWO' WHERE id = 2;
              UPDATE S.rekey_full SET id = 10 WHERE id = 1; UPDATE S.rekey_full SET v = 'TWO' WHERE id = 2`);
  const run = await f.run(['rekey', 'rekey_full'], state1);
  expectOk(run);
  expectValidSingerLines(run.stdout);
  const shape = (r: Record<string, any>) => ({ ...strip(r), deleted: r._sdc_deleted_at !== null });
  expect(records(run, id('rekey')).map(shape)).toEqual([
    { id: 1, deleted: true },
    { id: 10, v: 'one', deleted: false },
    { id: 2, v: 'TWO', deleted: false },
  ]);
  expect(records(run, id('rekey_full')).map(shape)).toEqual([
    { id: 1, v: 'one', deleted: true },
    { id: 10, v: 'one', deleted: false },
    { id: 2, v: 'TWO', deleted: false },
  ]);
});
