/**
 * Progress on stderr: log lines when stderr is not a terminal, live lines on a real terminal
 * (a pseudo-terminal from util-linux `script`), a summary line per stream, nothing on stdout,
 * and --quiet silences it all. A view whose rows come slowly makes the sync last a few seconds.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type postgres from 'postgres';
import { adminSql, testConfig } from '../helpers/db';
import { byType, expectValidSingerLines } from '../helpers/messages';
import { parseLines, runTap, TAP_BIN } from '../helpers/run-tap';

const S = 'cli_prog';
let sql: postgres.Sql;
let dir: string;

beforeAll(async () => {
  sql = adminSql();
  await sql.unsafe(`
    DROP SCHEMA IF EXISTS ${S} CASCADE;
    CREATE SCHEMA ${S};
    CREATE FUNCTION ${S}.slow(i int) RETURNS int LANGUAGE sql VOLATILE AS $$ SELECT pg_sleep(0.6); SELECT i $$;
    CREATE VIEW ${S}.slow_rows AS SELECT ${S}.slow(g) AS id FROM generate_series(1, 4) g;
    CREATE TABLE ${S}.items (id int PRIMARY KEY, v text);
    INSERT INTO ${S}.items SELECT g, 'v' || g FROM generate_series(1, 5000) g;
  `);
  dir = mkdtempSync(join(tmpdir(), 'tap-progress-'));
});

afterAll(async () => {
  await sql.unsafe(`DROP SCHEMA IF EXISTS ${S} CASCADE`);
  await sql.end();
  rmSync(dir, { recursive: true, force: true });
});

const args = ['--select', `${S}-*`];

test('not a terminal: progress log lines every progress_interval_seconds and a summary line per stream, stdout untouched', async () => {
  const run = await runTap(args, { config: testConfig({ progress_interval_seconds: 1 }) });
  expect(run.code).toBe(0);
  expectValidSingerLines(run.stdout);
  expect(run.stdout).not.toMatch(/progress|summary|rows\/s/);
  const lines = run.stderr.split('\n');
  expect(lines.filter((l) => l.startsWith(`tap-postgres-ts INFO ${S}-slow_rows: progress records=`)).length).toBeGreaterThanOrEqual(1);
  expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^tap-postgres-ts INFO ${S}-items: summary records=5000 bytes=\\d+ seconds=[\\d.]+ rows_per_second=\\d+ status=succeeded$`)));
  const summary = lines.find((l) => l.includes(`${S}-slow_rows: summary`)) as string;
  expect(summary).toMatch(/records=4 /);
  expect(Number(/seconds=([\d.]+)/.exec(summary)?.[1])).toBeGreaterThanOrEqual(2.3);
  const bytes = Number(/bytes=(\d+)/.exec(lines.find((l) => l.includes(`${S}-items: summary`)) as string)?.[1]);
  const recordBytes = run.stdout.split('\n').filter((l) => l.includes('"type":"RECORD"') && l.includes(`${S}-items`)).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
  expect(bytes).toBe(recordBytes);
});

test('log_format json: progress and summary lines are JSON objects with the numbers as fields', async () => {
  const run = await runTap(args, { config: testConfig({ progress_interval_seconds: 1, log_format: 'json' }) });
  expect(run.code).toBe(0);
  const objects = run.stderr.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  const progress = objects.filter((o) => o.message === `${S}-slow_rows: progress`);
  expect(progress.length).toBeGreaterThanOrEqual(1);
  expect(progress[0]).toMatchObject({ stream: `${S}-slow_rows`, records: expect.any(Number), rows_per_second: expect.any(Number) });
  expect(objects.find((o) => o.message === `${S}-items: summary`)).toMatchObject({ stream: `${S}-items`, records: 5000, status: 'succeeded' });
});

/** Runs the tap with stderr on a pseudo-terminal (util-linux `script`) and stdout to a file. */
async function runOnTerminal(extra: string[]): Promise<{ code: number | null; terminal: string; stdout: string }> {
  const config = join(dir, 'config.json');
  const out = join(dir, 'out.jsonl');
  writeFileSync(config, JSON.stringify(testConfig()));
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, TAP_BIN, '--config', config, ...args, ...extra].map(quote).join(' ') + ` > ${quote(out)}`;
  const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, terminal: Buffer.concat(chunks).toString('utf8'), stdout: readFileSync(out, 'utf8') };
}

test('a terminal: live lines redrawn in place (at most 4 a second), log lines above them, never on stdout', async () => {
  const run = await runOnTerminal([]);
  expect(run.code).toBe(0);
  expectValidSingerLines(run.stdout);
  expect(byType(parseLines(run.stdout), 'RECORD')).toHaveLength(5004);
  expect(run.stdout).not.toContain('\u001b');
  expect(run.terminal).toMatch(new RegExp(`${S}-slow_rows  [\\d,]+ rows  [\\d,]+ rows/s`));
  expect(run.terminal).toContain('\u001b[1A\r\u001b[J');
  expect(run.terminal).toMatch(new RegExp(`tap-postgres-ts INFO ${S}-slow_rows: summary records=4 `));
  // The slow view lasts about 2.4 s: at 4 redraws a second, a dozen live lines at most.
  const redraws = run.terminal.split(`${S}-slow_rows  `).length - 1;
  expect(redraws).toBeLessThanOrEqual(14);
});

test('--quiet silences progress, metrics and info lines', async () => {
  const run = await runTap([...args, '--quiet'], { config: testConfig({ progress_interval_seconds: 1 }) });
  expect(run.code).toBe(0);
  expect(run.stderr).toBe('');
  expect(byType(run.messages, 'RECORD')).toHaveLength(5004);
  const terminal = await runOnTerminal(['--quiet']);
  expect(terminal.code).toBe(0);
  expect(terminal.terminal).toBe('');
});
