/**
 * LOG_BASED benchmark: a 100,000-row UPDATE in one transaction, then a run with
 * the previous state — time from start to the last RECORD (target ≤ 1.5 s) — and a run with no
 * changes, start to exit (target ≤ 1 s). Uses its own schema, slot and publication, dropped after.
 *
 *   npx ts-node tests/bench/logical-bench.ts            # throw-away cluster (tests/helpers/cluster.ts)
 *   TAP_POSTGRES_BENCH_URL=postgresql://postgres@127.0.0.1:5432/postgres npx ts-node tests/bench/logical-bench.ts
 *
 * `logicalBench(ctx)` is the hook `npm run bench` (tests/bench/run.ts) calls.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { BenchRow } from './report';
import type { BenchContext } from './run';

const TAP = join(__dirname, '..', '..', 'bin', 'tap-postgres-ts');
const ROWS = 100_000;
const SCHEMA = 'bench_logical';
const SLOT = 'tap_bench_logical';

export interface LogicalBenchResult {
  rows: number;
  /** Spawn to the last RECORD line read, seconds. */
  updateToLastRecord: number;
  /** Spawn to exit with no change, seconds. */
  noChangeToExit: number;
}

interface Run {
  stateLine: string;
  records: number;
  lastRecordSeconds: number;
  exitSeconds: number;
}

function runTap(dir: string, stateValue: unknown): Promise<Run> {
  const args = [TAP, '--config', join(dir, 'config.json'), '--catalog', join(dir, 'catalog.json')];
  if (stateValue !== undefined) {
    writeFileSync(join(dir, 'state.json'), JSON.stringify(stateValue));
    args.push('--state', join(dir, 'state.json'));
  }
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : []), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let pending = '';
  let stateLine = '';
  let records = 0;
  let lastRecordSeconds = 0;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('{"type":"RECORD"')) {
        records += 1;
        lastRecordSeconds = seconds();
      } else if (line.startsWith('{"type":"STATE"')) stateLine = line;
    }
  });
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`tap exited ${code}: ${stderr}`));
      else {
        if (process.env.BENCH_DEBUG) process.stderr.write(stderr);
        resolve({ stateLine, records, lastRecordSeconds, exitSeconds: seconds() });
      }
    }),
  );
}

export async function benchLogical(url: string): Promise<LogicalBenchResult> {
  const sql = postgres(url, { onnotice: () => undefined, max: 1 });
  const parsed = new URL(url);
  const dir = mkdtempSync(join(tmpdir(), 'tap-logical-bench-'));
  try {
    await sql.unsafe(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '${SLOT}'`);
    await sql.unsafe(`DROP PUBLICATION IF EXISTS ${SLOT}; DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA};
      CREATE TABLE ${SCHEMA}.items (id bigint PRIMARY KEY, name text, amount numeric(20,4), at timestamptz, flag boolean);
      INSERT INTO ${SCHEMA}.items SELECT g, 'item ' || g, g * 1.5, timestamptz '2024-01-01' + g * interval '1 second', g % 2 = 0
        FROM generate_series(1, ${ROWS}) g;
      CREATE PUBLICATION ${SLOT} FOR TABLE ${SCHEMA}.items;`);
    await sql.unsafe(`SELECT pg_create_logical_replication_slot('${SLOT}', 'pgoutput')`);
    const config = {
      host: parsed.hostname,
      port: Number(parsed.port || 5432),
      user: decodeURIComponent(parsed.username || 'postgres'),
      password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
      dbname: decodeURIComponent(parsed.pathname.slice(1) || 'postgres'),
      sslmode: 'disable',
      replication_slot_name: SLOT,
      publication_name: SLOT,
      state_interval: 10_000,
      log_format: 'json',
    };
    const stream = { tap_stream_id: `${SCHEMA}-items`, stream: `${SCHEMA}-items`, table_name: 'items', schema: { type: 'object', properties: {} } };
    const catalog = {
      streams: [{ ...stream, metadata: [{ breadcrumb: [], metadata: { selected: true, 'replication-method': 'LOG_BASED', 'schema-name': SCHEMA } }] }],
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    writeFileSync(join(dir, 'catalog.json'), JSON.stringify(catalog));

    const snapshot = await runTap(dir, undefined);
    await sql.unsafe(`UPDATE ${SCHEMA}.items SET amount = amount + 1, name = name || '!'`);
    const update = await runTap(dir, JSON.parse(snapshot.stateLine).value);
    if (update.records !== ROWS) throw new Error(`expected ${ROWS} records after the UPDATE, got ${update.records}`);
    const quiet = await runTap(dir, JSON.parse(update.stateLine).value);
    if (quiet.records !== 0) throw new Error(`expected no record without changes, got ${quiet.records}`);
    return { rows: ROWS, updateToLastRecord: update.lastRecordSeconds, noChangeToExit: quiet.exitSeconds };
  } finally {
    await sql.unsafe(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '${SLOT}'`).catch(() => undefined);
    await sql.unsafe(`DROP PUBLICATION IF EXISTS ${SLOT}; DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => undefined);
    await sql.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

function row(what: string, runs: number[]): BenchRow {
  const sorted = [...runs].sort((a, b) => a - b);
  return {
    table: 'bench_logical.items',
    what,
    rows: ROWS,
    runs: runs.length,
    medianSeconds: sorted[Math.floor(sorted.length / 2)],
    minSeconds: sorted[0],
    maxSeconds: sorted[sorted.length - 1],
    ratioToCopy: null,
    rowsPerSecond: null,
    peakRssMiB: null,
    bytesPerRecord: null,
    recordsOk: true,
  };
}

/** `npm run bench`: the two LOG_BASED timings, each over ctx.runs runs, in the bench database. */
export async function logicalBench(ctx: BenchContext): Promise<BenchRow[]> {
  const { host, port, user, password } = ctx.server;
  const auth = password ? `${encodeURIComponent(user)}:${encodeURIComponent(password)}` : encodeURIComponent(user);
  const results: LogicalBenchResult[] = [];
  for (let i = 0; i < ctx.runs; i += 1) results.push(await benchLogical(`postgresql://${auth}@${host}:${port}/bench`));
  return [
    row('LOG_BASED 100k-row UPDATE: start → last RECORD (≤ 1.5 s)', results.map((r) => r.updateToLastRecord)),
    row('LOG_BASED no changes: start → exit (≤ 1 s)', results.map((r) => r.noChangeToExit)),
  ];
}

async function main(): Promise<void> {
  let url = process.env.TAP_POSTGRES_BENCH_URL;
  let stop: (() => void) | undefined;
  if (!url) {
    const { startCluster, stopCluster } = await import('../helpers/cluster');
    const cluster = await startCluster();
    stop = () => stopCluster(cluster);
    url = `postgresql://postgres@127.0.0.1:${cluster.port}/postgres`;
  }
  try {
    const result = await benchLogical(url);
    console.log(`LOG_BASED ${result.rows}-row UPDATE, start to last RECORD: ${result.updateToLastRecord.toFixed(2)} s (target ≤ 1.5 s; singer-io 13.3 s, pipelinewise 10.6 s)`);
    console.log(`LOG_BASED no changes, start to exit:            ${result.noChangeToExit.toFixed(2)} s (target ≤ 1 s; singer-io 10.5 s, pipelinewise 2.6 s)`);
  } finally {
    stop?.();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
