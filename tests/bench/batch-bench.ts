/**
 * FULL_TABLE of bench.wide as RECORD lines (stdout into /dev/null) against BATCH messages with
 * gzip and with plain files, alternating R G N R G N …; the batch files are counted, then removed
 * after each run. Not part of `npm test` or `npm run bench`; needs the bench dataset loaded
 * (`npm run bench` loads it).
 *
 *   npm run build && TAP_POSTGRES_BENCH_URL=postgresql://postgres@127.0.0.1:5432/postgres \
 *     BENCH_RUNS=3 node -r ts-node/register/transpile-only tests/bench/batch-bench.ts
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { BENCH_DB } from './dataset';
import { measure, median, type Command } from './measure';

const TAP = join(__dirname, '..', '..', 'bin', 'tap-postgres-ts');
const TABLE = process.env.BENCH_TABLE ?? 'wide';

function main(): Promise<void> {
  const url = new URL(process.env.TAP_POSTGRES_BENCH_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const work = mkdtempSync(join(tmpdir(), 'tap-batch-bench-'));
  const files = join(work, 'files');
  const base = { host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username || 'postgres'), password: decodeURIComponent(url.password) || undefined, dbname: BENCH_DB, sslmode: 'disable' };
  const configFile = (name: string, extra: Record<string, unknown>): string => {
    const file = join(work, `${name}.json`);
    writeFileSync(file, JSON.stringify({ ...base, ...extra }));
    return file;
  };
  const discovered = JSON.parse(execFileSync(process.execPath, [TAP, '--config', configFile('discover', { filter_schemas: ['bench'] }), '--discover'], { maxBuffer: 1 << 28 }).toString());
  for (const stream of discovered.streams) {
    const root = stream.metadata.find((m: { breadcrumb: string[] }) => m.breadcrumb.length === 0);
    root.metadata.selected = stream.table_name === TABLE;
    root.metadata['replication-method'] = 'FULL_TABLE';
  }
  const catalog = join(work, 'catalog.json');
  writeFileSync(catalog, JSON.stringify(discovered));
  const batch = (compression: string) => ({ batch_config: { encoding: { format: 'jsonl', compression }, storage: { root: `file://${files}` } } });
  const variants: Array<[string, Command]> = [
    ['RECORD lines', { file: process.execPath, args: [TAP, '--config', configFile('record', {}), '--catalog', catalog] }],
    ['BATCH gzip', { file: process.execPath, args: [TAP, '--config', configFile('gzip', batch('gzip')), '--catalog', catalog] }],
    ['BATCH none', { file: process.execPath, args: [TAP, '--config', configFile('none', batch('none')), '--catalog', catalog] }],
  ];
  const walls = variants.map(() => [] as number[]);
  const cpus = variants.map(() => [] as number[]);
  const sizes = variants.map(() => 0);
  return (async () => {
    try {
      await measure(variants[0][1]); // warm-up: the table into the page cache
      for (let run = 1; run <= runs; run += 1) {
        for (const [i, [label, command]] of variants.entries()) {
          rmSync(files, { recursive: true, force: true });
          const result = await measure(command);
          walls[i].push(result.wallSeconds);
          if (result.cpuSeconds !== null) cpus[i].push(result.cpuSeconds);
          let bytes = 0;
          let count = 0;
          for (const name of (existsSync(files) ? readdirSync(files, { withFileTypes: true }) : []).filter((e) => e.isFile()).map((e) => e.name)) {
            bytes += statSync(join(files, name)).size;
            count += 1;
          }
          sizes[i] = bytes;
          process.stderr.write(`batch-bench: run ${run} ${label}: ${result.wallSeconds.toFixed(2)} s, cpu ${result.cpuSeconds?.toFixed(2) ?? '?'} s, ${result.peakRssKiB ?? '?'} KiB, ${count} files, ${(bytes / 2 ** 20).toFixed(1)} MiB\n`);
        }
      }
      for (const [i, [label]] of variants.entries()) {
        const wall = median(walls[i]);
        const cpu = cpus[i].length ? median(cpus[i]).toFixed(2) : '?';
        process.stdout.write(`${label.padEnd(13)} median ${wall.toFixed(2)} s (min ${Math.min(...walls[i]).toFixed(2)}, max ${Math.max(...walls[i]).toFixed(2)}), cpu ${cpu} s, files ${(sizes[i] / 2 ** 20).toFixed(1)} MiB, ${(wall / median(walls[0])).toFixed(2)}× RECORD\n`);
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  })();
}

main().catch((error: unknown) => {
  process.stderr.write(`batch-bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
