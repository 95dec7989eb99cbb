/** WAL safety: SIGKILL mid-stream, resume from the last STATE with nothing lost; the slot is never confirmed past the state. */
import { lastState } from '../helpers/messages';
import { killAfterBytes } from '../helpers/kill';
import { expectOk, logicalFixture, records, type LogicalFixture } from '../helpers/logical';

let f: LogicalFixture;
const BATCHES = 40;
const PER_BATCH = 1000;

beforeAll(async () => {
  f = await logicalFixture('crash', `CREATE TABLE S.items (id int PRIMARY KEY, v text);`, ['items'], { state_interval: 500 });
});

afterAll(async () => {
  await f.drop();
});

test('a crash mid-stream loses nothing, and confirmed_flush_lsn never passes the state given', async () => {
  const stream = `${f.schema}-items`;
  const state1 = expectOk(await f.run(['items']));
  const lsn1 = state1.bookmarks[stream].lsn;
  for (let b = 0; b < BATCHES; b += 1) {
    await f.sql.unsafe(`INSERT INTO ${f.schema}.items SELECT g, repeat('x', 50) || g FROM generate_series(${b * PER_BATCH + 1}, ${(b + 1) * PER_BATCH}) g`);
  }
  const crashed = await f.run(['items'], state1, { onSpawn: killAfterBytes(600_000) });
  expect(crashed.signal).toBe('SIGKILL');
  const crashState = lastState(crashed.messages) as Record<string, any>;
  const crashLsn = crashState.bookmarks[stream].lsn;
  const seen = new Set(records(crashed, stream).map((r) => r.id));
  expect(seen.size).toBeGreaterThan(0);
  expect(seen.size).toBeLessThan(BATCHES * PER_BATCH);
  expect(crashLsn).toBeGreaterThan(lsn1);
  // The killed run was given state1: the slot holds everything after it.
  expect(await f.confirmedFlush()).toBeLessThanOrEqual(lsn1);

  const resumed = await f.run(['items'], crashState);
  const state3 = expectOk(resumed);
  for (const r of records(resumed, stream)) seen.add(r.id);
  expect(seen.size).toBe(BATCHES * PER_BATCH);
  expect(await f.confirmedFlush()).toBeLessThanOrEqual(crashLsn);
  expect(await f.confirmedFlush()).toBeGreaterThan(lsn1);

  // A quiet run given state3 confirms exactly state3's LSN, and no further.
  const quiet = await f.run(['items'], state3);
  const state4 = expectOk(quiet);
  expect(records(quiet, stream)).toEqual([]);
  expect(await f.confirmedFlush()).toBe(state3.bookmarks[stream].lsn);
  expect(state4.bookmarks[stream].lsn).toBeGreaterThanOrEqual(state3.bookmarks[stream].lsn);
});
