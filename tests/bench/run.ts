/**
 * `npm run bench`: the tap's FULL_TABLE and INCREMENTAL against `psql \copy … to
 * stdout` of the same table, alternating A B A B, stdout into /dev/null; a counting run checks
 * RECORD count == row count and gives bytes per RECORD; `--discover` on 5,000 tables. Prints a
 * table and writes the same as JSON to bench-results/. Not part of `npm test`.
 *
 *   npm run bench                       # throw-away cluster (tests/helpers/cluster.ts)
 *   TAP_POSTGRES_BENCH_URL=postgresql://postgres@127.0.0.1:5432/postgres npm run bench
 *   BENCH_RUNS=5 BENCH_TABLES=wide npm run bench
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { startCluster, stopCluster, type StartedCluster } from '../helpers/cluster';
import { AIRBYTE_LABEL, airbyteRatio, airbyteReadCommand } from './airbyte-bench';
import { BENCH_DB, connectTo, DISCOVERY_DB, DISCOVERY_TABLES, ensureDataset, ensureDiscoveryDatabase, psqlEnv, type Server } from './dataset';
import { countRecords, measure, median, type Command } from './measure';
import { formatTable, type BenchRow } from './report';

const ROOT = join(__dirname, '..', '..');
const DATASET = join(__dirname, 'dataset.sql');
const TAP = join(ROOT, 'bin', 'tap-postgres-ts');
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

export interface BenchContext {
  server: Server;
  /** Runs per measurement. */
  runs: number;
  /** A scratch directory for configs and catalogs. */
  workDir: string;
  tapConfig(database: string, extra?: Record<string, unknown>): string;
  tapCommand(args: string[]): Command;
}

function serverFromUrl(url: string): Server {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username || 'postgres'),
    password: decodeURIComponent(parsed.password),
    psql: 'psql',
  };
}

function benchContext(server: Server, runs: number): BenchContext {
  const workDir = mkdtempSync(join(tmpdir(), 'tap-bench-'));
  let configs = 0;
  return {
    server,
    runs,
    workDir,
    tapConfig(database, extra = {}) {
      const file = join(workDir, `config-${(configs += 1)}.json`);
      const config = { host: server.host, port: server.port, user: server.user, dbname: database, sslmode: 'disable', ...extra };
      if (server.password) Object.assign(config, { password: server.password });
      writeFileSync(file, JSON.stringify(config));
      return file;
    },
    tapCommand(args) {
      return { file: process.execPath, args: [TAP, ...args] };
    },
  };
}

type Catalog = { streams: Array<{ table_name: string; metadata: Array<{ breadcrumb: string[]; metadata: Record<string, unknown> }> }> };

function catalogFor(ctx: BenchContext, discovered: Catalog, table: string, method: string): string {
  const catalog = structuredClone(discovered);
  for (const stream of catalog.streams) {
    const root = stream.metadata.find((entry) => entry.breadcrumb.length === 0);
    if (!root) continue;
    root.metadata.selected = stream.table_name === table;
    if (stream.table_name !== table) continue;
    root.metadata['replication-method'] = method;
    if (method === 'INCREMENTAL') root.metadata['replication-key'] = 'updated_at';
  }
  const file = join(ctx.workDir, `catalog-${table}-${method}.json`);
  writeFileSync(file, JSON.stringify(catalog));
  return file;
}

async function rowCount(server: Server, table: string): Promise<number> {
  const sql = connectTo(server, BENCH_DB);
  try {
    const [row] = await sql`SELECT count(*)::int8::text AS n FROM ${sql('bench')}.${sql(table)}`;
    return Number(row.n);
  } finally {
    await sql.end();
  }
}

async function benchTable(ctx: BenchContext, discovered: Catalog, config: string, table: string): Promise<BenchRow[]> {
  const rows = await rowCount(ctx.server, table);
  const s = ctx.server;
  const copy: Command = {
    file: s.psql,
    args: ['-X', '-h', s.host, '-p', String(s.port), '-U', s.user, '-d', BENCH_DB, '-c', `\\copy (select * from bench.${table}) to stdout`],
    env: psqlEnv(s),
  };
  const methods = ['FULL_TABLE', 'INCREMENTAL'];
  const labels = [...methods.map((method) => `tap ${method}`), AIRBYTE_LABEL];
  const taps = [...methods.map((method) => ctx.tapCommand(['--config', config, '--properties', catalogFor(ctx, discovered, table, method)])), airbyteReadCommand(ctx, table)];
  const samples = [copy, ...taps].map(() => ({ wall: [] as number[], rss: [] as number[], cpu: [] as number[] }));
  await measure(copy); // warm-up: the table into the page cache
  for (let run = 1; run <= ctx.runs; run += 1) {
    for (const [i, command] of [copy, ...taps].entries()) {
      const result = await measure(command);
      samples[i].wall.push(result.wallSeconds);
      if (result.peakRssKiB !== null) samples[i].rss.push(result.peakRssKiB);
      if (result.cpuSeconds !== null) samples[i].cpu.push(result.cpuSeconds);
      log(`${table} run ${run} ${i === 0 ? 'COPY' : labels[i - 1]}: ${result.wallSeconds.toFixed(2)} s, ${result.peakRssKiB ?? '?'} KiB`);
    }
  }
  const copyMedian = median(samples[0].wall);
  const out: BenchRow[] = [];
  for (const [i, sample] of samples.entries()) {
    const what = i === 0 ? 'psql COPY text' : labels[i - 1];
    const wall = median(sample.wall);
    let bytesPerRecord: number | null = null;
    let recordsOk: boolean | null = null;
    if (i > 0) {
      const counted = await countRecords(taps[i - 1]);
      bytesPerRecord = counted.recordBytes / Math.max(counted.records, 1);
      recordsOk = counted.records === rows;
      if (!recordsOk) log(`${table} ${what}: ${counted.records} RECORD messages for ${rows} rows`);
    }
    out.push({
      table,
      what,
      rows,
      runs: sample.wall.length,
      medianSeconds: wall,
      minSeconds: Math.min(...sample.wall),
      maxSeconds: Math.max(...sample.wall),
      ratioToCopy: wall / copyMedian,
      rowsPerSecond: rows / wall,
      peakRssMiB: sample.rss.length ? Math.max(...sample.rss) / 1024 : null,
      cpuSeconds: sample.cpu.length ? median(sample.cpu) : null,
      bytesPerRecord,
      recordsOk,
    });
  }
  const ratio = airbyteRatio(out);
  if (ratio !== undefined) log(`${table}: airbyte read / tap FULL_TABLE = ${ratio.toFixed(3)}`);
  return out;
}

async function benchDiscovery(ctx: BenchContext): Promise<BenchRow> {
  await ensureDiscoveryDatabase(ctx.server, log);
  const command = ctx.tapCommand(['--config', ctx.tapConfig(DISCOVERY_DB), '--discover']);
  await measure(command);
  const walls: number[] = [];
  const rss: number[] = [];
  for (let run = 0; run < ctx.runs; run += 1) {
    const result = await measure(command);
    walls.push(result.wallSeconds);
    if (result.peakRssKiB !== null) rss.push(result.peakRssKiB);
  }
  const wall = median(walls);
  return {
    table: `${DISCOVERY_TABLES} tables × 10 columns`,
    what: 'tap --discover',
    rows: DISCOVERY_TABLES,
    runs: walls.length,
    medianSeconds: wall,
    minSeconds: Math.min(...walls),
    maxSeconds: Math.max(...walls),
    ratioToCopy: null,
    rowsPerSecond: null,
    peakRssMiB: rss.length ? Math.max(...rss) / 1024 : null,
    cpuSeconds: null,
    bytesPerRecord: null,
    recordsOk: null,
  };
}

/** The LOG_BASED figures (tests/bench/logical-bench.ts, when present) join the table. */
async function logicalHook(ctx: BenchContext): Promise<BenchRow[]> {
  const file = join(__dirname, 'logical-bench.ts');
  if (!existsSync(file) && !existsSync(file.replace(/\.ts$/, '.js'))) return [];
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const hook = require('./logical-bench') as { logicalBench?: (ctx: BenchContext) => Promise<BenchRow[]> };
  try {
    return hook.logicalBench ? await hook.logicalBench(ctx) : [];
  } catch (error) {
    log(`LOG_BASED figures skipped: ${error instanceof Error ? error.message : String(error)}`);
    return [];
  }
}

async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const tables = (process.env.BENCH_TABLES ?? 'wide,narrow').split(',').filter(Boolean);
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('build first: npm run build');
  let cluster: StartedCluster | undefined;
  let server: Server;
  if (process.env.TAP_POSTGRES_BENCH_URL) {
    server = serverFromUrl(process.env.TAP_POSTGRES_BENCH_URL);
  } else {
    log('starting a throw-away cluster…');
    cluster = await startCluster();
    server = { host: '127.0.0.1', port: cluster.port, user: 'postgres', password: '', psql: existsSync(join(cluster.bindir, 'psql')) ? join(cluster.bindir, 'psql') : 'psql' };
  }
  try {
    await ensureDataset(server, DATASET, log);
    const ctx = benchContext(server, runs);
    const config = ctx.tapConfig(BENCH_DB, { filter_schemas: ['bench'] });
    const discovered = JSON.parse(execFileSync(process.execPath, [TAP, '--config', config, '--discover'], { encoding: 'utf8', maxBuffer: 1 << 26 })) as Catalog;
    const results: BenchRow[] = [];
    for (const table of tables) results.push(...(await benchTable(ctx, discovered, config, table)));
    if (process.env.BENCH_DISCOVERY !== '0') results.push(await benchDiscovery(ctx));
    results.push(...(await logicalHook(ctx)));
    process.stdout.write(formatTable(results) + '\n');
    const dir = join(ROOT, 'bench-results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: totalmem() / 2 ** 30, node: process.version };
    writeFileSync(file, JSON.stringify({ machine, runs, results }, null, 2) + '\n');
    log(`results written to ${file}`);
    if (results.some((row) => row.recordsOk === false)) process.exitCode = 1;
  } finally {
    if (cluster) stopCluster(cluster);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
