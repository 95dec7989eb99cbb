/**
 * `npm run bench:small-tables`: many small tables, FULL_TABLE, all selected — 5,000 tables of 10
 * rows (BENCH_SMALL_TABLES to change the count), in database `bench_small_tables` (created once,
 * a marker table keeps it). Prints wall seconds, CPU seconds and peak RSS of the tap (medians of
 * BENCH_RUNS), and the counts of its RECORD and STATE lines. Not part of `npm test`.
 *
 *   TAP_POSTGRES_BENCH_URL=postgresql://postgres@127.0.0.1:5432/postgres npm run bench:small-tables
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, stopCluster, type StartedCluster } from '../helpers/cluster';
import { connectTo } from './dataset';
import { measure, median } from './measure';

const ROOT = join(__dirname, '..', '..');
const TAP = join(ROOT, 'bin', 'tap-postgres-ts');
const DB = 'bench_small_tables';
const TABLES = Number(process.env.BENCH_SMALL_TABLES ?? 5000);
const ROWS = 10;
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

interface Server {
  host: string;
  port: number;
  user: string;
  password: string;
}

async function ensureDatabase(server: Server): Promise<void> {
  const admin = connectTo(server, 'postgres');
  try {
    const [found] = await admin`SELECT 1 AS found FROM pg_database WHERE datname = ${DB}`;
    if (!found) await admin.unsafe(`CREATE DATABASE ${DB}`);
  } finally {
    await admin.end();
  }
  const marker = `${TABLES} tables x ${ROWS} rows v1`;
  const sql = connectTo(server, DB);
  try {
    const [row] = await sql`SELECT to_regclass('public.tap_bench_marker') IS NOT NULL AS present`;
    if (row.present && (await sql`SELECT value FROM public.tap_bench_marker`)[0]?.value === marker) return;
    log(`creating ${TABLES} tables of ${ROWS} rows in database ${DB}…`);
    await sql.unsafe('DROP SCHEMA IF EXISTS small CASCADE; CREATE SCHEMA small');
    // 400 tables per statement: each transaction's locks must fit max_locks_per_transaction.
    for (let first = 1; first <= TABLES; first += 400) {
      const last = Math.min(first + 399, TABLES);
      await sql.unsafe(`
        DO $$ BEGIN
          FOR n IN ${first}..${last} LOOP
            EXECUTE format('CREATE TABLE small.%I (id bigint PRIMARY KEY, name text, amount numeric(12,2),
              created_at timestamptz, updated_at timestamp, payload jsonb, active boolean, day date,
              code varchar(20), tags int[])', 't_' || lpad(n::text, 5, '0'));
            EXECUTE format('INSERT INTO small.%I SELECT g, ''name '' || g, g * 1.5, now(), now(), ''{"a": 1}'', true,
              current_date, ''c'' || g, ARRAY[g] FROM generate_series(1, ${ROWS}) g', 't_' || lpad(n::text, 5, '0'));
          END LOOP;
        END $$`);
    }
    await sql.unsafe('ANALYZE');
    await sql.unsafe('DROP TABLE IF EXISTS public.tap_bench_marker; CREATE TABLE public.tap_bench_marker (value text NOT NULL)');
    await sql`INSERT INTO public.tap_bench_marker VALUES (${marker})`;
  } finally {
    await sql.end();
  }
}

/** RECORD and STATE lines of one run, read from its stdout. */
function countLines(args: string[]): Promise<{ records: number; states: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TAP, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    const counts = { records: 0, states: 0 };
    let rest = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      const lines = (rest + text).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('{"type":"RECORD"')) counts.records += 1;
        else if (line.startsWith('{"type":"STATE"')) counts.states += 1;
      }
    });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(counts) : reject(new Error(`the tap exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('build first: npm run build');
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  let cluster: StartedCluster | undefined;
  let server: Server;
  if (process.env.TAP_POSTGRES_BENCH_URL) {
    const url = new URL(process.env.TAP_POSTGRES_BENCH_URL);
    server = { host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username || 'postgres'), password: decodeURIComponent(url.password) };
  } else {
    log('starting a throw-away cluster…');
    cluster = await startCluster();
    server = { host: '127.0.0.1', port: cluster.port, user: 'postgres', password: '' };
  }
  try {
    await ensureDatabase(server);
    const dir = mkdtempSync(join(tmpdir(), 'tap-bench-'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ ...server, password: server.password || undefined, dbname: DB, sslmode: 'disable', filter_schemas: ['small'] }));
    const discovered = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [TAP, '--config', config, '--discover'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
      child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`--discover exited with ${code}`))));
    });
    const catalog = JSON.parse(discovered) as { streams: Array<{ metadata: Array<{ breadcrumb: string[]; metadata: Record<string, unknown> }> }> };
    for (const stream of catalog.streams) {
      const root = stream.metadata.find((entry) => entry.breadcrumb.length === 0);
      if (root) Object.assign(root.metadata, { selected: true, 'replication-method': 'FULL_TABLE' });
    }
    const catalogFile = join(dir, 'catalog.json');
    writeFileSync(catalogFile, JSON.stringify(catalog));
    const args = ['--config', config, '--catalog', catalogFile];
    const measured = [];
    for (let run = 0; run < runs; run += 1) measured.push(await measure({ file: process.execPath, args: [TAP, ...args] }));
    const counts = await countLines(args);
    const wall = median(measured.map((m) => m.wallSeconds));
    const cpu = measured.every((m) => m.cpuSeconds !== null) ? median(measured.map((m) => m.cpuSeconds as number)).toFixed(2) : 'n/a';
    const rss = measured.every((m) => m.peakRssKiB !== null) ? (median(measured.map((m) => m.peakRssKiB as number)) / 1024).toFixed(0) : 'n/a';
    process.stdout.write(
      `${TABLES} tables x ${ROWS} rows, FULL_TABLE, median of ${runs}: ${wall.toFixed(2)} s wall, ${cpu} s tap CPU, ${rss} MiB peak RSS; ` +
        `${counts.records} RECORD, ${counts.states} STATE\n`,
    );
    if (counts.records !== TABLES * ROWS) process.exitCode = 1;
  } finally {
    if (cluster) stopCluster(cluster);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
