/**
 * `npm run real-target`: LOG_BASED into a real Singer target, pipelinewise-target-postgres, and a
 * check that the loaded table equals the source: the snapshot, then a second run streaming
 * UPDATEs that leave a TOASTed value unchanged, change a stored generated column's input,
 * change the key, and DELETEs and INSERTs. Not a jest test: it needs Python and the target's
 * source, which CI does not have.
 *
 *   TAP_REAL_TARGET_PATH    folders holding the target's source and its singer library
 *                           (pipelinewise-singer-python 1.x), joined by ':'; put on PYTHONPATH
 *   TAP_REAL_TARGET_PYTHON  the Python that has psycopg2, simplejson, inflection, joblib,
 *                           dateutil, jsonschema, pytz, backoff and ciso8601 (default python3)
 *   TAP_POSTGRES_TEST_URL   a server to use (superuser, wal_level=logical); without it a
 *                           throw-away cluster is started as the test harness does
 *
 * Exits 0 when every row and column is equal, 1 with the differences otherwise.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type postgres from 'postgres';
import { discover, select } from '../helpers/catalog';
import { startCluster, stopCluster, type StartedCluster } from '../helpers/cluster';
import { connectTo } from '../helpers/db';
import { TAP_BIN } from '../helpers/run-tap';

const SOURCE_DB = 'tap_real_source';
const TARGET_DB = 'tap_real_target';
const COLUMNS = ['id', 'big', 'small', 'note', 'twice'];
// 3,200 characters stored out of line, uncompressed: an UPDATE that does not set it leaves it unchanged in the WAL.
const big = (seed: string) => `(SELECT string_agg(md5(${seed} || '-' || g), '') FROM generate_series(1, 100) g)`;

interface Server {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** 'exit', not 'close': the tap's stdout belongs to the target's stdin and never closes here. */
function exited(child: ReturnType<typeof spawn>, name: string): Promise<void> {
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${name} exited ${code}`)))),
  );
}

/** tap | target-postgres, as a pipe; returns the target's last STATE (what it committed). */
async function pipeline(dir: string, tapConfig: unknown, catalog: unknown, state: unknown, targetConfig: unknown): Promise<unknown> {
  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(content));
    return path;
  };
  const args = ['--config', file('tap-config.json', tapConfig), '--catalog', file('catalog.json', catalog)];
  if (state !== undefined) args.push('--state', file('state.json', state));
  const tap = spawn(process.execPath, [TAP_BIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const python = process.env.TAP_REAL_TARGET_PYTHON || 'python3';
  const target = spawn(python, ['-c', 'import target_postgres; target_postgres.main()', '--config', file('target-config.json', targetConfig)], {
    stdio: [tap.stdout, 'pipe', 'inherit'],
    env: { ...process.env, PYTHONPATH: process.env.TAP_REAL_TARGET_PATH },
  });
  let out = '';
  target.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const done = Promise.all([exited(tap, 'the tap'), exited(target, 'target-postgres')]);
  await new Promise((resolve) => target.on('close', resolve));
  await done;
  const lines = out.split('\n').filter((line) => line.trim() !== '');
  return lines.length > 0 ? JSON.parse(lines[lines.length - 1]) : state;
}

async function check(server: Server): Promise<number> {
  const admin = connectTo(server, 'postgres');
  for (const db of [SOURCE_DB, TARGET_DB]) {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin.unsafe(`CREATE DATABASE ${db}`);
  }
  await admin.end();
  const source = connectTo(server, SOURCE_DB);
  const loaded = connectTo(server, TARGET_DB);
  const dir = mkdtempSync(join(tmpdir(), 'tap-real-target-'));
  try {
    await source.unsafe(`
      CREATE TABLE public.docs (id int PRIMARY KEY, big text, small int, note text, twice int GENERATED ALWAYS AS (small * 2) STORED);
      ALTER TABLE public.docs ALTER COLUMN big SET STORAGE EXTERNAL;
      INSERT INTO public.docs (id, big, small, note) SELECT g, ${big("g || ''")}, g, 'first' FROM generate_series(1, 300) g;
      CREATE PUBLICATION tap_real FOR TABLE public.docs;`);
    await source.unsafe(`SELECT pg_create_logical_replication_slot('tap_real', 'pgoutput')`);
    const tapConfig = {
      host: server.host, port: server.port, user: server.user, password: server.password || undefined, dbname: SOURCE_DB,
      sslmode: 'disable', filter_schemas: ['public'], replication_slot_name: 'tap_real', publication_name: 'tap_real', logical_idle_exit_seconds: 2,
    };
    const targetConfig = {
      host: server.host, port: server.port, user: server.user, password: server.password || 'unused-under-trust', dbname: TARGET_DB,
      default_target_schema: 'loaded', hard_delete: true,
      // More than a run's records: the target hands back the tap's last STATE only when records remain to load at the
      // end; when its last batch fills before that STATE, it returns an older one (here: the snapshot's, without its
      // LSN, and the next run snapshots again).
      batch_size_rows: 10_000,
    };
    const catalog = select(await discover(tapConfig), { 'public-docs': { 'replication-method': 'LOG_BASED' } });
    const state1 = await pipeline(dir, tapConfig, catalog, undefined, targetConfig);
    await source.unsafe(`
      UPDATE public.docs SET small = small + 1000 WHERE id % 2 = 0;        -- TOAST unchanged, generated column changes
      UPDATE public.docs SET note = 'noted' WHERE id % 3 = 0;              -- TOAST and generated column unchanged
      UPDATE public.docs SET id = id + 10000 WHERE id % 10 = 0;            -- key change, TOAST unchanged
      UPDATE public.docs SET big = ${big("'new' || id")} WHERE id % 11 = 0; -- TOAST rewritten
      DELETE FROM public.docs WHERE id % 7 = 0;
      INSERT INTO public.docs (id, big, small, note) SELECT g, ${big("g || 'i'")}, g, 'inserted' FROM generate_series(301, 350) g;
      UPDATE public.docs SET small = small + 1 WHERE id > 340;              -- inserted rows updated in the same run`);
    await pipeline(dir, tapConfig, catalog, state1, targetConfig);
    return await compare(source, loaded);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await source.unsafe(`SELECT pg_drop_replication_slot('tap_real')`).catch(() => undefined);
    await source.end();
    await loaded.end();
  }
}

/** Every row and column of the source against the loaded table (values as text). */
async function compare(source: postgres.Sql, loaded: postgres.Sql): Promise<number> {
  const select = `SELECT ${COLUMNS.map((c) => `${c}::text AS ${c}`).join(', ')} FROM %s ORDER BY id`;
  const want = await source.unsafe(select.replace('%s', 'public.docs'));
  const loadedRows = await loaded.unsafe(select.replace('%s', 'loaded.docs'));
  const got = new Map(loadedRows.map((r) => [r.id, r]));
  const differences: string[] = [];
  for (const row of want) {
    const other = got.get(row.id);
    got.delete(row.id);
    if (!other) differences.push(`id ${row.id}: missing from the target`);
    else for (const c of COLUMNS) if (row[c] !== other[c]) differences.push(`id ${row.id}: ${c} is ${String(other[c]).slice(0, 40)}, source ${String(row[c]).slice(0, 40)}`);
  }
  for (const id of got.keys()) differences.push(`id ${id}: in the target, not in the source`);
  console.log(`real-target: ${want.length} source rows, ${loadedRows.length} loaded rows, compared on ${COLUMNS.join(', ')}: ${differences.length} difference(s)`);
  for (const line of differences.slice(0, 50)) console.log(`  ${line}`);
  return differences.length === 0 ? 0 : 1;
}

async function main(): Promise<number> {
  if (!process.env.TAP_REAL_TARGET_PATH) {
    console.error('TAP_REAL_TARGET_PATH must name the folders of pipelinewise-target-postgres and pipelinewise-singer-python 1.x, joined by ":"');
    return 2;
  }
  const url = process.env.TAP_POSTGRES_TEST_URL;
  if (url) {
    const u = new URL(url);
    return check({ host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username || 'postgres'), password: decodeURIComponent(u.password) });
  }
  const cluster: StartedCluster = await startCluster();
  try {
    return await check({ host: '127.0.0.1', port: cluster.port, user: 'postgres', password: '' });
  } finally {
    stopCluster(cluster);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`real-target: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
