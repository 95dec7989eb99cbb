/** Part 6: a row read from pgoutput and the same row read by the snapshot give identical JSON, for every fixture type. */
import { expectValidSingerLines } from '../helpers/messages';
import type { TapRun } from '../helpers/run-tap';
import { expectOk, logicalFixture, type LogicalFixture } from '../helpers/logical';

let f: LogicalFixture;

beforeAll(async () => {
  f = await logicalFixture(
    'values',
    `CREATE TABLE S.all_types (LIKE tap_fixture.all_types INCLUDING ALL);
     INSERT INTO S.all_types SELECT * FROM tap_fixture.all_types;`,
    ['all_types'],
  );
});

afterAll(async () => {
  await f.drop();
});

/** Each RECORD's `record` JSON text by id, without the change columns. */
function recordTexts(run: TapRun): Map<number, string> {
  const texts = new Map<number, string>();
  for (const line of run.stdout.split('\n')) {
    if (!line.startsWith('{"type":"RECORD"')) continue;
    const text = line.slice(line.indexOf('"record":') + 9, line.lastIndexOf(',"version":'));
    const parsed = JSON.parse(text) as { id: number; _sdc_deleted_at?: string | null };
    if (parsed._sdc_deleted_at) continue;
    texts.set(parsed.id, text.replace(/,"_sdc_lsn":\d+/, '').replace(/,"_sdc_deleted_at":null/, ''));
  }
  return texts;
}

test('pgoutput values equal snapshot values, byte for byte', async () => {
  const first = await f.run(['all_types']);
  const state1 = expectOk(first);
  expectValidSingerLines(first.stdout);
  const snapshot = recordTexts(first);
  const [{ count }] = await f.sql.unsafe(`SELECT count(*)::int AS count FROM tap_fixture.all_types`);
  expect(snapshot.size).toBe(count);

  await f.sql.begin(async (tx) => {
    await tx.unsafe(`DELETE FROM ${f.schema}.all_types`);
    await tx.unsafe(`INSERT INTO ${f.schema}.all_types SELECT * FROM tap_fixture.all_types`);
  });
  const second = await f.run(['all_types'], state1);
  expectOk(second);
  expectValidSingerLines(second.stdout);
  const streamed = recordTexts(second);
  expect(streamed.size).toBe(count);
  for (const [id, text] of snapshot) expect([id, streamed.get(id)]).toEqual([id, text]);
  // Every column of the table is in the rows compared.
  const columns = Object.keys(JSON.parse(snapshot.get(1) as string));
  expect(columns.length).toBeGreaterThan(30);
});
