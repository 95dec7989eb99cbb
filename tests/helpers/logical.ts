/**
 * Shared set-up of the LOG_BASED integration tests: each test file gets its own schema, slot and
 * publication (unique names, dropped afterwards) on the harness cluster.
 */
import type postgres from 'postgres';
import { discover, select, type Catalog } from './catalog';
import { adminSql, serverVersionNum, testConfig } from './db';
import { byType, lastState } from './messages';
import { runTap, type TapRun, type TapRunOptions } from './run-tap';

/** publish_via_partition_root is new in PostgreSQL 13; before, a partitioned table cannot be published. */
export const VIA_ROOT = serverVersionNum() >= 130000;

export interface LogicalFixture {
  sql: postgres.Sql;
  schema: string;
  slot: string;
  publication: string;
  config: Record<string, unknown>;
  catalog: Catalog;
  /** Runs the tap with these tables selected as LOG_BASED (and `others` as given). */
  run(tables: string[], state?: unknown, options?: TapRunOptions): Promise<TapRun>;
  /** The slot's confirmed_flush_lsn as an integer. */
  confirmedFlush(): Promise<number>;
  rediscover(): Promise<void>;
  drop(): Promise<void>;
}

export function lsnNumber(text: string): number {
  const [hi, lo] = text.split('/');
  return parseInt(hi, 16) * 2 ** 32 + parseInt(lo, 16);
}

/**
 * `ddl` creates the tables in schema `schema` (written as `S.` in the text); `published` are the
 * tables the publication holds (publish_via_partition_root = true; before PostgreSQL 13, without
 * the partitioned ones, which a publication cannot hold there).
 */
export async function logicalFixture(name: string, ddl: string, published: string[], configOverrides: Record<string, unknown> = {}): Promise<LogicalFixture> {
  const sql = adminSql();
  const schema = `lr_${name}`;
  const slot = `tap_${name}`;
  const publication = `tap_${name}`;
  await sql.unsafe(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '${slot}'`);
  await sql.unsafe(`DROP PUBLICATION IF EXISTS ${publication}; DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema};`);
  await sql.unsafe(ddl.replace(/\bS\./g, `${schema}.`));
  const partitioned = (await sql`SELECT relname FROM pg_class WHERE relnamespace = ${schema}::regnamespace AND relkind = 'p'`).map((r) => r.relname);
  const tables = published.filter((t) => VIA_ROOT || !partitioned.includes(t)).map((t) => `${schema}.${t}`).join(', ');
  await sql.unsafe(`CREATE PUBLICATION ${publication} FOR TABLE ${tables}${VIA_ROOT ? ' WITH (publish_via_partition_root = true)' : ''}`);
  await sql.unsafe(`SELECT pg_create_logical_replication_slot('${slot}', 'pgoutput')`);
  const config = testConfig({
    filter_schemas: [schema],
    replication_slot_name: slot,
    publication_name: publication,
    logical_idle_exit_seconds: 10,
    ...configOverrides,
  });
  const fixture: LogicalFixture = {
    sql,
    schema,
    slot,
    publication,
    config,
    catalog: await discover(config),
    run(selected, state, options = {}) {
      const selections = Object.fromEntries(selected.map((t) => [`${schema}-${t}`, { 'replication-method': 'LOG_BASED' }]));
      return runTap([], { config, catalog: select(fixture.catalog, selections), state, ...options });
    },
    async confirmedFlush() {
      const [row] = await sql`SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = ${slot}`;
      return lsnNumber(row.lsn);
    },
    async rediscover() {
      fixture.catalog = await discover(config);
    },
    async drop() {
      for (let i = 0; i < 50; i += 1) {
        const [row] = await sql`SELECT active FROM pg_replication_slots WHERE slot_name = ${slot}`;
        if (!row?.active) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await sql.unsafe(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '${slot}'`);
      await sql.unsafe(`DROP PUBLICATION IF EXISTS ${publication}; DROP SCHEMA IF EXISTS ${schema} CASCADE;`);
      await sql.end();
    },
  };
  return fixture;
}

export function records(run: TapRun, stream: string): Array<Record<string, any>> {
  return byType(run.messages, 'RECORD').filter((m) => m.stream === stream).map((m) => m.record);
}

export function expectOk(run: TapRun): Record<string, any> {
  if (run.code !== 0) throw new Error(`tap exited ${run.code}: ${run.stderr}`);
  const state = lastState(run.messages);
  if (!state) throw new Error('no STATE');
  return state;
}
