/**
 * The plans of a sync whose streams live in several databases (singer-io: each stream's
 * `database-name` metadata names its database). Streams of the connected database are planned
 * as in a one-database run, over the run's connection; the streams of every other database are
 * planned against that database's live relations and read through a connection to it, opened
 * here and ended with `close()`. A catalog of one database plans exactly as before, without a
 * query more.
 *
 * LOG_BASED needs the connected database: a replication slot belongs to one database.
 */
import { planSelected, selectedStreams, streamLocation, type SelectedStream, type StreamPlan, type SyncPlan } from '../catalog/plan';
import { streamMetadata } from '../catalog/metadata';
import type { SingerCatalog } from '../catalog/types';
import type { TapConfig } from '../config/types';
import type { TapSql } from '../db/connect';
import { InputError } from '../errors';
import type { RelationInfo, RelationLookup } from '../pg/types';

/** How a run reaches the other databases of the server. */
export interface DatabaseAccess {
  /** A connection to `dbname`; ended by the run. */
  open(dbname: string): TapSql;
  /** The relations of `schemas` in the database `sql` is connected to (the discovery query). */
  lookup(sql: TapSql, schemas: readonly string[]): Promise<RelationInfo[]>;
}

export interface DatabasePlans extends SyncPlan {
  /** The connection each plan reads through. */
  sqlOf(plan: StreamPlan): TapSql;
  /** The database of a plan read through a connection opened here; undefined for the connected one. */
  databaseOf(plan: StreamPlan): string | undefined;
  /** The connections of the run, the run's own first (each once). */
  connections: TapSql[];
  /** Ends the connections opened here. */
  close(): Promise<void>;
}

function databaseName({ meta }: SelectedStream): string | undefined {
  const name = streamMetadata(meta)['database-name'];
  return typeof name === 'string' && name !== '' ? name : undefined;
}

function schemasOf(streams: readonly SelectedStream[]): string[] {
  return [...new Set(streams.map(({ stream, meta }) => streamLocation(stream, meta).schema).filter((s): s is string => !!s))];
}

/** Plans `catalog` (its selected streams); `firstStreamId` (currently_syncing) goes first. */
export async function planDatabases(
  sql: TapSql,
  config: TapConfig,
  catalog: SingerCatalog,
  firstStreamId: string | null | undefined,
  lookup: RelationLookup,
  access?: DatabaseAccess,
): Promise<DatabasePlans> {
  const selected = selectedStreams(catalog);
  const elsewhere = access ? selected.filter((s) => (databaseName(s) ?? config.dbname) !== config.dbname) : [];
  // The connected database may go by another name (a pooler's alias): ask it for its own.
  const home = elsewhere.length > 0 ? await currentDatabase(sql) : config.dbname;
  const groups = new Map<string, SelectedStream[]>();
  for (const s of selected) {
    const name = access ? databaseName(s) ?? home : home;
    const key = name === config.dbname ? home : name;
    const group = groups.get(key);
    if (group) group.push(s);
    else groups.set(key, [s]);
  }
  const opened = new Map<string, TapSql>();
  const close = async () => {
    await Promise.all([...opened.values()].map((other) => other.end({ timeout: 1 }).catch(() => undefined)));
  };
  if (groups.size <= 1 && (groups.size === 0 || groups.has(home))) {
    const relations = selected.length > 0 ? await lookup(schemasOf(selected)) : [];
    return { ...planSelected(selected, relations, config, firstStreamId), sqlOf: () => sql, databaseOf: () => undefined, connections: [sql], close };
  }
  const plans: StreamPlan[] = [];
  const unavailable: SyncPlan['unavailable'] = [];
  // By stream id: stream maps may replace a plan with a trimmed copy.
  const sqlByStream = new Map<string, TapSql>();
  const databaseByStream = new Map<string, string>();
  try {
    for (const [name, streams] of groups) {
      const db = name === home ? sql : (access as DatabaseAccess).open(name);
      if (db !== sql) opened.set(name, db);
      const relations = name === home ? await lookup(schemasOf(streams)) : await (access as DatabaseAccess).lookup(db, schemasOf(streams));
      const part = planSelected(streams, relations, config, firstStreamId);
      for (const plan of part.plans) {
        if (plan.method === 'LOG_BASED' && db !== sql) {
          throw new InputError(
            'INVALID_STREAM',
            `catalog stream ${plan.tapStreamId}: LOG_BASED reads the replication slot of the connected database (${home}), and this stream is in database ${name}: sync it in a run whose dbname is ${name}, or choose FULL_TABLE or INCREMENTAL`,
          );
        }
        sqlByStream.set(plan.tapStreamId, db);
        if (db !== sql) databaseByStream.set(plan.tapStreamId, name);
      }
      plans.push(...part.plans);
      unavailable.push(...part.unavailable);
    }
  } catch (error) {
    await close();
    throw error;
  }
  const first = plans.findIndex((p) => p.tapStreamId === firstStreamId);
  if (first > 0) plans.unshift(...plans.splice(first, 1));
  return { plans, unavailable, sqlOf: (plan) => sqlByStream.get(plan.tapStreamId) ?? sql,
    databaseOf: (plan) => databaseByStream.get(plan.tapStreamId),
    connections: [sql, ...opened.values()], close };
}

async function currentDatabase(sql: TapSql): Promise<string> {
  const [row] = await sql`SELECT pg_catalog.current_database()::text AS name`;
  return String(row.name);
}
