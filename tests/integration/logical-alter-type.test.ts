/** ALTER TABLE … ALTER COLUMN … TYPE in the WAL a LOG_BASED run streams: a new SCHEMA before the first record of the new type. */
import { byType, expectRecordsMatchSchemas, expectValidSingerLines } from '../helpers/messages';
import { expectOk, logicalFixture, records, type LogicalFixture } from '../helpers/logical';

let f: LogicalFixture;
const id = (table: string) => `${f.schema}-${table}`;
const exec = (text: string) => f.sql.unsafe(text.replace(/\bS\./g, `${f.schema}.`));

beforeAll(async () => {
  f = await logicalFixture(
    'retype',
    `CREATE TABLE S.t (id int PRIMARY KEY, v text, n numeric(10,2));
     INSERT INTO S.t VALUES (1, '1', 1.5);`,
    ['t'],
  );
});

afterAll(async () => {
  await f.drop();
});

test('text → integer and back, numeric → integer[]: each change of type gets its SCHEMA before the records of that type', async () => {
  const state1 = expectOk(await f.run(['t']));
  await exec(`INSERT INTO S.t VALUES (2, '2', 2.25);
              ALTER TABLE S.t ALTER COLUMN v TYPE integer USING v::integer;
              INSERT INTO S.t VALUES (3, 3, 3.5);
              ALTER TABLE S.t ALTER COLUMN n TYPE integer[] USING ARRAY[round(n)::integer];
              INSERT INTO S.t VALUES (4, 4, '{4,5}');
              ALTER TABLE S.t ALTER COLUMN v TYPE text;
              INSERT INTO S.t VALUES (5, '05', '{6}');`);
  // The catalog was discovered before the ALTERs; the table has the last types by now.
  const run = await f.run(['t'], state1);
  expectOk(run);
  expectValidSingerLines(run.stdout);
  expectRecordsMatchSchemas(run.messages);
  const shape = run.messages
    .filter((m) => m.type === 'SCHEMA' || m.type === 'RECORD')
    .map((m) => (m.type === 'RECORD' ? m.record.id : `${JSON.stringify(m.schema.properties.v.type)} ${JSON.stringify(m.schema.properties.n.type)}`));
  // The run's first SCHEMA is the stream's at the start of the run; then the WAL's types:
  expect(shape.slice(1)).toEqual([
    // the WAL's first rows are older than the ALTERs (the table has integer[] by now)
    '["null","string"] ["null","number"]',
    2,
    '["null","integer"] ["null","number"]',
    3,
    '["null","integer"] ["null","array"]',
    4,
    '["null","string"] ["null","array"]',
    5,
  ]);
  expect(records(run, id('t')).map((r) => [r.v, r.n])).toEqual([
    ['2', 2.25],
    [3, 3.5],
    [4, [4, 5]],
    ['05', [6]],
  ]);
  expect(run.stderr).toMatch(/column v is integer in the WAL, was text \(ALTER TABLE … TYPE\); sending a new SCHEMA/);
  expect(byType(run.messages, 'SCHEMA').every((m) => m.stream === id('t'))).toBe(true);
});
