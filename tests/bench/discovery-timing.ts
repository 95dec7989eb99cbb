/**
 * By-hand timing check (not a jest test): creates 5,000 tables × 10 columns in a scratch
 * database `tap_timing` and times `introspect` over them.
 *   npx ts-node --transpile-only -P tsconfig.json tests/bench/discovery-timing.ts postgresql://postgres@127.0.0.1:PORT/postgres
 * The URL must name a superuser (or a role that may CREATE DATABASE) on a throw-away server.
 */
import postgres from 'postgres';
import { introspect } from '../../lib/discovery/introspect';

const TABLES = 5000;
const DATABASE = 'tap_timing';

async function main(): Promise<void> {
  const url = process.argv[2] ?? process.env.TAP_POSTGRES_TEST_URL;
  if (!url) throw new Error('usage: discovery-timing.ts postgresql://user@host:port/postgres');
  const admin = postgres(url, { onnotice: () => undefined, max: 1 });
  await admin`DROP DATABASE IF EXISTS ${admin(DATABASE)} WITH (FORCE)`;
  await admin`CREATE DATABASE ${admin(DATABASE)}`;
  await admin.end();
  const target = new URL(url);
  target.pathname = `/${DATABASE}`;
  const sql = postgres(target.toString(), { onnotice: () => undefined, max: 1 });
  try {
    // 500 tables per transaction keeps the lock table small; DO blocks take no parameters.
    for (let batch = 0; batch < TABLES / 500; batch += 1) {
      await sql`SELECT set_config('tap.timing_batch', ${String(batch)}, false)`;
      await sql`
        DO $$ BEGIN
          FOR i IN 1..500 LOOP
            EXECUTE format('CREATE TABLE public.%I (id bigint PRIMARY KEY, a int, b text, c numeric, d date,
              e timestamptz, f varchar(20), g jsonb, h int[], i boolean)',
              't' || (current_setting('tap.timing_batch')::int * 500 + i));
          END LOOP;
        END $$`;
    }
    // A non-superuser takes the privilege checks' slow path: time it as one too.
    await sql`DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tap_timing_reader') THEN CREATE ROLE tap_timing_reader LOGIN; END IF;
    END $$`;
    await sql`GRANT SELECT ON ALL TABLES IN SCHEMA public TO tap_timing_reader`;
    target.username = 'tap_timing_reader';
    const reader = postgres(target.toString(), { onnotice: () => undefined, max: 1 });
    try {
      for (const [who, conn] of [['superuser', sql], ['tap_timing_reader', reader]] as const) {
        for (let run = 1; run <= 3; run += 1) {
          const started = process.hrtime.bigint();
          const relations = await introspect(conn, {});
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          const columns = relations.reduce((sum, relation) => sum + relation.columns.length, 0);
          process.stdout.write(`${who} run ${run}: ${relations.length} relations, ${columns} columns in ${ms.toFixed(0)} ms\n`);
        }
      }
    } finally {
      await reader.end();
    }
  } finally {
    await sql.end();
    const cleanup = postgres(url, { onnotice: () => undefined, max: 1 });
    await cleanup`DROP DATABASE IF EXISTS ${cleanup(DATABASE)} WITH (FORCE)`;
    await cleanup`DROP ROLE IF EXISTS tap_timing_reader`;
    await cleanup.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
