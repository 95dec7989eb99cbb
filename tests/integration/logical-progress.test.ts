/** LOG_BASED streaming's metrics and progress: counted per transaction, percent of the WAL distance. */
import { expectValidSingerLines } from '../helpers/messages';
import { expectOk, logicalFixture, records, type LogicalFixture } from '../helpers/logical';

let f: LogicalFixture;

beforeAll(async () => {
  f = await logicalFixture(
    'progress',
    `CREATE TABLE S.items (id int PRIMARY KEY, name text);
     INSERT INTO S.items SELECT g, 'item ' || g FROM generate_series(1, 3) g;`,
    ['items'],
    { log_format: 'json' },
  );
});

afterAll(async () => {
  await f.drop();
});

test('record_count metrics add up to the streamed records; summary and sync_duration close the pass', async () => {
  const stream = `${f.schema}-items`;
  const first = await f.run(['items']);
  const state = expectOk(first);
  await f.sql.unsafe(`INSERT INTO ${f.schema}.items SELECT g, 'new ' || g FROM generate_series(10, 259) g`);
  await f.sql.unsafe(`UPDATE ${f.schema}.items SET name = 'changed' WHERE id <= 3`);
  const second = await f.run(['items'], state);
  expectOk(second);
  expectValidSingerLines(second.stdout);
  expect(records(second, stream)).toHaveLength(253);
  const lines = second.stderr.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  const points = lines.filter((l) => l.message === 'METRIC' && l.stream === stream).map((l) => l.metric_info);
  const counted = points.filter((p) => p.metric === 'record_count').reduce((n, p) => n + p.value, 0);
  expect(counted).toBe(253);
  expect(points[points.length - 1]).toMatchObject({ type: 'timer', metric: 'sync_duration', tags: { stream, status: 'succeeded' } });
  const summary = lines.find((l) => l.message === `${stream}: summary`);
  expect(summary).toMatchObject({ records: 253, status: 'succeeded' });
  expect(summary.bytes).toBe(second.stdout.split('\n').filter((l) => l.includes('"type":"RECORD"')).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0));
});
