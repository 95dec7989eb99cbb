/**
 * The Airbyte connector in `npm run bench`: `source-postgres-ts read` of a bench table as a
 * full_refresh stream, measured next to the Singer tap's FULL_TABLE of the same table.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DB } from './dataset';
import type { Command } from './measure';
import type { BenchContext } from './run';

const SOURCE = join(__dirname, '..', '..', 'bin', 'source-postgres-ts');

/** Config and configured catalog in the bench's scratch directory; the catalog from `discover`. */
export function airbyteReadCommand(ctx: BenchContext, table: string): Command {
  const s = ctx.server;
  const config = join(ctx.workDir, `airbyte-config-${table}.json`);
  const catalog = join(ctx.workDir, `airbyte-catalog-${table}.json`);
  const settings = { host: s.host, port: s.port, database: BENCH_DB, username: s.user, schemas: ['bench'], ssl_mode: { mode: 'disable' } };
  writeFileSync(config, JSON.stringify(s.password ? { ...settings, password: s.password } : settings));
  const discovered = JSON.parse(execFileSync(process.execPath, [SOURCE, 'discover', '--config', config], { encoding: 'utf8', maxBuffer: 1 << 26 }));
  const stream = (discovered.catalog.streams as Array<{ name: string }>).find((candidate) => candidate.name === table);
  if (!stream) throw new Error(`discover found no stream ${table}`);
  writeFileSync(catalog, JSON.stringify({ streams: [{ stream, sync_mode: 'full_refresh', destination_sync_mode: 'overwrite' }] }));
  return { file: process.execPath, args: [SOURCE, 'read', '--config', config, '--catalog', catalog] };
}

/** Median wall time of the Airbyte read over the tap's FULL_TABLE, from the bench rows of one table. */
export function airbyteRatio(rows: ReadonlyArray<{ what: string; medianSeconds: number }>): number | undefined {
  const tap = rows.find((row) => row.what === 'tap FULL_TABLE');
  const airbyte = rows.find((row) => row.what === AIRBYTE_LABEL);
  return tap && airbyte ? airbyte.medianSeconds / tap.medianSeconds : undefined;
}

export const AIRBYTE_LABEL = 'airbyte read (full_refresh)';
