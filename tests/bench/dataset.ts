/**
 * The benchmark databases: `bench` with tests/bench/dataset.sql (loaded with psql, skipped
 * when the marker table holds the file's sha256), and `bench_discovery` with 5,000 tables × 10
 * columns × 10 rows (created once, marker table likewise).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connectTo } from '../helpers/db';

export { connectTo };

export interface Server {
  host: string;
  port: number;
  user: string;
  password: string;
  /** psql to run (the cluster's own, or the one on PATH). */
  psql: string;
}

export const BENCH_DB = 'bench';
export const DISCOVERY_DB = 'bench_discovery';
export const DISCOVERY_TABLES = 5000;

export function psqlEnv(server: Server): NodeJS.ProcessEnv {
  return { ...process.env, PGSSLMODE: 'disable', PGPASSWORD: server.password || undefined };
}

async function ensureDatabase(server: Server, name: string): Promise<void> {
  const sql = connectTo(server, 'postgres');
  try {
    const [found] = await sql`SELECT 1 AS found FROM pg_database WHERE datname = ${name}`;
    if (!found) await sql`CREATE DATABASE ${sql(name)}`;
  } finally {
    await sql.end();
  }
}

async function markerHolds(server: Server, database: string, value: string): Promise<boolean> {
  const sql = connectTo(server, database);
  try {
    const [row] = await sql`SELECT to_regclass('public.tap_bench_marker') IS NOT NULL AS present`;
    if (!row.present) return false;
    const [marker] = await sql`SELECT value FROM public.tap_bench_marker`;
    return marker?.value === value;
  } finally {
    await sql.end();
  }
}

async function setMarker(server: Server, database: string, value: string): Promise<void> {
  const sql = connectTo(server, database);
  try {
    await sql`DROP TABLE IF EXISTS public.tap_bench_marker`;
    await sql`CREATE TABLE public.tap_bench_marker (value text NOT NULL)`;
    await sql`INSERT INTO public.tap_bench_marker VALUES (${value})`;
  } finally {
    await sql.end();
  }
}

/** Loads the dataset into `bench` unless the marker says this very file is loaded. */
export async function ensureDataset(server: Server, datasetFile: string, log: (line: string) => void): Promise<void> {
  const sha256 = createHash('sha256').update(readFileSync(datasetFile)).digest('hex');
  await ensureDatabase(server, BENCH_DB);
  if (await markerHolds(server, BENCH_DB, sha256)) {
    log(`dataset already loaded (sha256 ${sha256.slice(0, 12)}…)`);
    return;
  }
  log(`loading ${datasetFile} into database ${BENCH_DB} (about half a minute)…`);
  const args = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', server.host, '-p', String(server.port), '-U', server.user, '-d', BENCH_DB, '-f', datasetFile];
  execFileSync(server.psql, args, { env: psqlEnv(server), stdio: ['ignore', 'ignore', 'inherit'] });
  await setMarker(server, BENCH_DB, sha256);
}

/** Tables per transaction: each CREATE TABLE takes a few locks, and the server's lock table is shared. */
const TABLES_PER_BLOCK = 200;

/**
 * Creates `bench_discovery` with 5,000 tables of 10 columns and 10 rows each, once. Tables
 * already there are kept (CREATE … IF NOT EXISTS, rows only into empty tables), so an
 * interrupted setup continues where it stopped instead of dropping thousands of tables in one
 * transaction (more locks than a default server allows).
 */
export async function ensureDiscoveryDatabase(server: Server, log: (line: string) => void): Promise<void> {
  const marker = `${DISCOVERY_TABLES} tables x 10 columns x 10 rows v2`;
  await ensureDatabase(server, DISCOVERY_DB);
  if (await markerHolds(server, DISCOVERY_DB, marker)) return;
  log(`creating ${DISCOVERY_TABLES} tables of 10 rows in database ${DISCOVERY_DB}…`);
  const sql = connectTo(server, DISCOVERY_DB);
  try {
    await sql`CREATE SCHEMA IF NOT EXISTS many`;
    for (let first = 1; first <= DISCOVERY_TABLES; first += TABLES_PER_BLOCK) {
      const last = Math.min(first + TABLES_PER_BLOCK - 1, DISCOVERY_TABLES);
      await sql`
        DO $$ DECLARE t text; BEGIN
          FOR n IN ${sql.unsafe(String(first))}..${sql.unsafe(String(last))} LOOP
            t := 't_' || lpad(n::text, 5, '0');
            EXECUTE format('CREATE TABLE IF NOT EXISTS many.%I (id bigint PRIMARY KEY, name text, amount numeric(12,2),
              created_at timestamptz, updated_at timestamp, payload jsonb, active boolean, day date,
              code varchar(20), tags int[])', t);
            EXECUTE format($q$INSERT INTO many.%I
              SELECT g, 'name ' || g, g * 1.25, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour',
                     timestamp '2024-01-01 00:00:00' + g * interval '1 minute', jsonb_build_object('g', g),
                     g %% 2 = 0, date '2024-01-01' + g::int, 'c' || g, ARRAY[g::int, -g::int]
              FROM generate_series(1::bigint, 10) AS g
              WHERE NOT EXISTS (SELECT 1 FROM many.%I)$q$, t, t);
          END LOOP;
        END $$`;
    }
  } finally {
    await sql.end();
  }
  await setMarker(server, DISCOVERY_DB, marker);
}
