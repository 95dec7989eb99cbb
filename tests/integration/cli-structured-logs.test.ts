/**
 * log_format json (Meltano's structured-logging) and the Singer-SDK-style METRIC lines of a real
 * sync: stderr only, stdout stays protocol lines, the record_count values add up to the RECORDs.
 */
import type postgres from 'postgres';
import { adminSql, testConfig } from '../helpers/db';
import { byType, expectValidSingerLines } from '../helpers/messages';
import { runTap } from '../helpers/run-tap';

const S = 'cli_logs';
let sql: postgres.Sql;

beforeAll(async () => {
  sql = adminSql();
  await sql.unsafe(`
    DROP SCHEMA IF EXISTS ${S} CASCADE;
    CREATE SCHEMA ${S};
    CREATE TABLE ${S}.big (id int PRIMARY KEY, v text);
    INSERT INTO ${S}.big SELECT g, repeat('x', 20) FROM generate_series(1, 30000) g;
    CREATE TABLE ${S}.small (id int PRIMARY KEY, at timestamptz);
    INSERT INTO ${S}.small SELECT g, now() FROM generate_series(1, 7) g;
    CREATE TABLE ${S}.empty (id int PRIMARY KEY);
  `);
});

afterAll(async () => {
  await sql.unsafe(`DROP SCHEMA IF EXISTS ${S} CASCADE`);
  await sql.end();
});

function recordCounts(messages: Array<Record<string, any>>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of byType(messages, 'RECORD')) counts[m.stream] = (counts[m.stream] ?? 0) + 1;
  return counts;
}

function sums(points: Array<Record<string, any>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of points.filter((q) => q.type === 'counter' && q.metric === 'record_count')) out[p.tags.stream] = (out[p.tags.stream] ?? 0) + p.value;
  return out;
}

test('log_format json: every stderr line one JSON object; METRIC points in metric_info add up to the records', async () => {
  const config = testConfig({ log_format: 'json', state_interval: 1000 });
  const run = await runTap(['--select', `${S}-*`, '--select', `!${S}-small.at`, '--replication-method', 'INCREMENTAL', '--replication-key', 'id'], { config });
  expect(run.code).toBe(0);
  expectValidSingerLines(run.stdout);
  expect(run.stdout).not.toContain('METRIC');
  const lines = run.stderr.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  for (const line of lines) {
    expect(line).toEqual(expect.objectContaining({ level: expect.any(String), levelname: expect.any(String), name: 'tap-postgres-ts', message: expect.any(String) }));
    expect(new Date(line.time).toISOString()).toBe(line.time);
  }
  const done = lines.find((l) => l.message === `${S}-big: INCREMENTAL done`);
  expect(done).toMatchObject({ stream: `${S}-big`, records: 30000 });
  const metrics = lines.filter((l) => l.message === 'METRIC');
  for (const m of metrics) expect(m.stream).toBe(m.metric_info.tags.stream);
  const points = metrics.map((m) => m.metric_info);
  const records = recordCounts(run.messages);
  expect(sums(points)).toEqual({ [`${S}-big`]: records[`${S}-big`], [`${S}-small`]: 7, [`${S}-empty`]: 0 });
  expect(records[`${S}-big`]).toBe(30000);
  const timers = points.filter((p) => p.type === 'timer');
  expect(timers.map((t) => t.tags)).toEqual(
    [`${S}-big`, `${S}-empty`, `${S}-small`].map((stream) => ({ stream, status: 'succeeded' })),
  );
  for (const t of timers) expect(t).toMatchObject({ metric: 'sync_duration', value: expect.any(Number) });
});

test('text format: METRIC: {json} lines as the Singer SDK writes them; log_level warn silences them', async () => {
  const run = await runTap(['--select', `${S}-small`], { config: testConfig() });
  expect(run.code).toBe(0);
  const points = run.stderr
    .split('\n')
    .filter((l) => l.startsWith('tap-postgres-ts INFO METRIC: '))
    .map((l) => JSON.parse(l.slice('tap-postgres-ts INFO METRIC: '.length)));
  expect(points[0]).toEqual({ type: 'counter', metric: 'record_count', value: 7, tags: { stream: `${S}-small` } });
  expect(points[1]).toMatchObject({ type: 'timer', metric: 'sync_duration', tags: { stream: `${S}-small`, status: 'succeeded' } });
  const quiet = await runTap(['--select', `${S}-small`], { config: testConfig({ log_level: 'warn' }) });
  expect(quiet.code).toBe(0);
  expect(quiet.stderr).toBe('');
});
