/**
 * LOG_BASED and server faults: a replication connection lost mid-stream ends the run with exit 1,
 * one line saying why and a STATE from which the next run delivers everything (streaming is not
 * retried within the run).
 */
import { lastState } from '../helpers/messages';
import { onFirstOutput } from '../helpers/kill';
import { expectOk, logicalFixture, records, type LogicalFixture } from '../helpers/logical';

let f: LogicalFixture;
const ROWS = 40_000;
const APP = 'tap-logical-faults';

beforeAll(async () => {
  f = await logicalFixture('faults', `CREATE TABLE S.items (id int PRIMARY KEY, v text);`, ['items'], {
    state_interval: 500,
    application_name: APP,
    logical_idle_exit_seconds: 2,
  });
});

afterAll(async () => {
  await f.drop();
});

test('a replication connection lost mid-stream: exit 1 with the reason in one line; the STATE resumes with nothing lost', async () => {
  const stream = `${f.schema}-items`;
  const state1 = expectOk(await f.run(['items']));
  await f.sql.unsafe(`INSERT INTO ${f.schema}.items SELECT g, repeat('x', 200) || g FROM generate_series(1, ${ROWS}) g`);
  const cut = await f.run(['items'], state1, {
    onSpawn: onFirstOutput((child) => {
      child.stdout?.pause();
      f.sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${APP} AND backend_type = 'walsender'`
        .then(() => child.stdout?.resume(), () => child.stdout?.resume());
    }),
  });
  expect(cut.code).toBe(1);
  const errors = cut.stderr.split('\n').filter((line) => line.includes('ERROR'));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/LOG_BASED streaming failed: (57P01: terminating connection due to administrator command|.*CONNECTION_CLOSED)/);
  expect(cut.stderr).not.toContain('Cannot read properties');
  const seen = new Set(records(cut, stream).map((r) => r.id));
  expect(seen.size).toBeLessThan(ROWS);
  const resumed = await f.run(['items'], lastState(cut.messages));
  expectOk(resumed);
  for (const r of records(resumed, stream)) seen.add(r.id);
  expect(seen.size).toBe(ROWS);
});
