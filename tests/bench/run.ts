/**
 * `npm run bench`: the tap's FULL_TABLE (with `max_parallel_slices` 1, 2 and 4) and INCREMENTAL
 * against `psql \copy … to stdout` of the same table, alternating A B A B, stdout into
 * /dev/null, with client CPU, the server's CPU (./server-cpu.ts) and peak RSS; a counting run
 * checks RECORD count == row count and gives bytes per RECORD; `--discover` on 5,000 tables,
 * and a FULL_TABLE sync of those 5,000 tables of 10 rows (time, STATE messages, peak RSS).
 * Prints a table and writes the same as JSON to bench-results/. Not part of `npm test`.
 *
 *   npm run bench                       # throw-away cluster (tests/helpers/cluster.ts)
 *   TAP_POSTGRES_BENCH_URL=postgresql://postgres@127.0.0.1:5432/postgres npm run bench
 *   BENCH_RUNS=5 BENCH_TABLES=wide BENCH_SLICES=1,2 BENCH_MANY_TABLES=0 npm run bench
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { startCluster, stopCluster, type StartedCluster } from '../helpers/cluster';
import { AIRBYTE_LABEL, airbyteRatio, airbyteReadCommand } from './airbyte-bench';
import { BENCH_DB, connectTo, DISCOVERY_DB, DISCOVERY_TABLES, ensureDataset, ensureDiscoveryDatabase, psqlEnv, type Server } from './dataset';
import { countRecords, measure, median, type Command, type ServerCpu } from './measure';
import { formatTable, type BenchRow } from './report';
import { childrenCpuSeconds, postmasterPid } from './server-cpu';

const ROOT = join(__dirname, '..', '..');
const DATASET = join(__dirname, 'dataset.sql');
const TAP = join(ROOT, 'bin', 'tap-postgres-ts');
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

export interface BenchContext {
  server: Server;
  /** Runs per measurement. */
  runs: number;
  /** The server's CPU so far (its exited backends'), for the CPU of each run. */
  serverCpu: ServerCpu;
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

function benchContext(server: Server, runs: number, postmaster: number | null): BenchContext {
  const workDir = mkdtempSync(join(tmpdir(), 'tap-bench-'));
  let configs = 0;
  return {
    server,
    runs,
    serverCpu: () => childrenCpuSeconds(postmaster),
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

/** `max_parallel_slices` values the FULL_TABLE rows run with (BENCH_SLICES, default 1,2,4). */
function sliceCounts(): number[] {
  return (process.env.BENCH_SLICES ?? '1,2,4').split(',').filter(Boolean).map(Number);
}

interface Sample {
  wall: number[];
  rss: number[];
  cpu: number[];
  serverCpu: number[];
}

async function benchTable(ctx: BenchContext, discovered: Catalog, table: string): Promise<BenchRow[]> {
  const rows = await rowCount(ctx.server, table);
  const s = ctx.server;
  const copy: Command = {
    file: s.psql,
    args: ['-X', '-h', s.host, '-p', String(s.port), '-U', s.user, '-d', BENCH_DB, '-c', `\\copy (select * from bench.${table}) to stdout`],
    env: psqlEnv(s),
  };
  const fullTable = catalogFor(ctx, discovered, table, 'FULL_TABLE');
  const tapRun = (slices: number, catalog: string) =>
    ctx.tapCommand(['--config', ctx.tapConfig(BENCH_DB, { filter_schemas: ['bench'], max_parallel_slices: slices }), '--properties', catalog]);
  const taps: Array<{ label: string; command: Command }> = [
    ...sliceCounts().map((slices) => ({
      label: slices === 1 ? 'tap FULL_TABLE' : `tap FULL_TABLE, ${slices} slices`,
      command: tapRun(slices, fullTable),
    })),
    // INCREMENTAL reads in key order over one connection.
    { label: 'tap INCREMENTAL', command: tapRun(1, catalogFor(ctx, discovered, table, 'INCREMENTAL')) },
    { label: AIRBYTE_LABEL, command: airbyteReadCommand(ctx, table) },
  ];
  const commands = [copy, ...taps.map((tap) => tap.command)];
  const samples: Sample[] = commands.map(() => ({ wall: [], rss: [], cpu: [], serverCpu: [] }));
  await measure(copy); // warm-up: the table into the page cache
  for (let run = 1; run <= ctx.runs; run += 1) {
    for (const [i, command] of commands.entries()) {
      const result = await measure(command, ctx.serverCpu);
      samples[i].wall.push(result.wallSeconds);
      if (result.peakRssKiB !== null) samples[i].rss.push(result.peakRssKiB);
      if (result.cpuSeconds !== null) samples[i].cpu.push(result.cpuSeconds);
      if (result.serverCpuSeconds !== null) samples[i].serverCpu.push(result.serverCpuSeconds);
      const cpu = result.cpuSeconds === null ? '' : `, client CPU ${result.cpuSeconds.toFixed(2)} s`;
      const server = result.serverCpuSeconds === null ? '' : `, server CPU ${result.serverCpuSeconds.toFixed(2)} s`;
      log(`${table} run ${run} ${i === 0 ? 'COPY' : taps[i - 1].label}: ${result.wallSeconds.toFixed(2)} s${cpu}${server}, ${result.peakRssKiB ?? '?'} KiB`);
    }
  }
  const copyMedian = median(samples[0].wall);
  const out: BenchRow[] = [];
  for (const [i, sample] of samples.entries()) {
    const what = i === 0 ? 'psql COPY text' : taps[i - 1].label;
    const wall = median(sample.wall);
    const cpu = sample.cpu.length ? median(sample.cpu) : null;
    let bytesPerRecord: number | null = null;
    let recordsOk: boolean | null = null;
    let stateMessages: number | null = null;
    if (i > 0) {
      const counted = await countRecords(taps[i - 1].command);
      bytesPerRecord = counted.recordBytes / Math.max(counted.records, 1);
      stateMessages = counted.stateMessages;
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
      cpuSeconds: cpu,
      rowsPerCpuSecond: cpu ? rows / cpu : null,
      serverCpuSeconds: sample.serverCpu.length ? median(sample.serverCpu) : null,
      bytesPerRecord,
      stateMessages,
      recordsOk,
    });
  }
  const ratio = airbyteRatio(out);
  if (ratio !== undefined) log(`${table}: airbyte read / tap FULL_TABLE = ${ratio.toFixed(3)}`);
  return out;
}

/**
 * FULL_TABLE of all 5,000 tables × 10 rows of the discovery database, once: time, STATE
 * messages, peak RSS, and RECORD count = 50,000.
 */
async function benchManyTables(ctx: BenchContext): Promise<BenchRow> {
  await ensureDiscoveryDatabase(ctx.server, log);
  const config = ctx.tapConfig(DISCOVERY_DB, { filter_schemas: ['many'] });
  const catalog = JSON.parse(execFileSync(process.execPath, [TAP, '--config', config, '--discover'], { encoding: 'utf8', maxBuffer: 1 << 28 })) as Catalog;
  for (const stream of catalog.streams) {
    const root = stream.metadata.find((entry) => entry.breadcrumb.length === 0);
    if (!root) continue;
    root.metadata.selected = true;
    root.metadata['replication-method'] = 'FULL_TABLE';
  }
  const file = join(ctx.workDir, 'catalog-many-FULL_TABLE.json');
  writeFileSync(file, JSON.stringify(catalog));
  const rows = DISCOVERY_TABLES * 10;
  const counted = await countRecords(ctx.tapCommand(['--config', config, '--properties', file]), ctx.serverCpu);
  log(`${DISCOVERY_TABLES} tables FULL_TABLE: ${counted.wallSeconds.toFixed(2)} s, ${counted.stateMessages} STATE, ${counted.records} RECORD, ${counted.peakRssKiB ?? '?'} KiB`);
  return {
    table: `${DISCOVERY_TABLES} tables × 10 rows`,
    what: 'tap FULL_TABLE, all tables',
    rows,
    runs: 1,
    medianSeconds: counted.wallSeconds,
    minSeconds: counted.wallSeconds,
    maxSeconds: counted.wallSeconds,
    ratioToCopy: null,
    rowsPerSecond: rows / counted.wallSeconds,
    peakRssMiB: counted.peakRssKiB === null ? null : counted.peakRssKiB / 1024,
    cpuSeconds: counted.cpuSeconds,
    rowsPerCpuSecond: counted.cpuSeconds ? rows / counted.cpuSeconds : null,
    serverCpuSeconds: counted.serverCpuSeconds,
    bytesPerRecord: counted.recordBytes / Math.max(counted.records, 1),
    stateMessages: counted.stateMessages,
    recordsOk: counted.records === rows,
  };
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
    const postmaster = await postmasterPid(server, BENCH_DB);
    if (postmaster === null) log('the server is not on this machine (or /proc is not readable): no server CPU figures');
    const ctx = benchContext(server, runs, postmaster);
    const config = ctx.tapConfig(BENCH_DB, { filter_schemas: ['bench'] });
    const discovered = JSON.parse(execFileSync(process.execPath, [TAP, '--config', config, '--discover'], { encoding: 'utf8', maxBuffer: 1 << 26 })) as Catalog;
    const results: BenchRow[] = [];
    for (const table of tables) results.push(...(await benchTable(ctx, discovered, table)));
    if (process.env.BENCH_DISCOVERY !== '0') results.push(await benchDiscovery(ctx));
    if (process.env.BENCH_MANY_TABLES !== '0') results.push(await benchManyTables(ctx));
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
