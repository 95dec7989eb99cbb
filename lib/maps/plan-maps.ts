/**
 * Stream maps applied to a sync plan, before any output: every map is checked against its
 * stream (the fields its expressions read exist, the key properties survive; exit 2 otherwise),
 * streams mapped to null leave the plan as if deselected, `__alias__` renames the stream in all
 * its messages, and columns the map drops are left out of the query as a deselected column
 * would be — so a map that only drops columns keeps the byte fast path. Only streams whose
 * records still change (computed or renamed properties, a filter, dropped key or change
 * columns, …) get mapped record by record by lib/maps/mapped-writer.ts.
 */
import type { StreamPlan, SyncPlan } from '../catalog/plan';
import type { JsonSchema } from '../catalog/types';
import type { RunContext } from '../context';
import { InputError } from '../errors';
import { mappedWriter, type MappedStream } from './mapped-writer';
import { recordMapper } from './record-map';
import { mappedKeyProperties, mapSchema } from './schema-map';
import { compileStreamMaps, type StreamMap } from './stream-maps';

export interface MappedRun extends SyncPlan {
  /** The run's context, its writer applying the maps. */
  ctx: RunContext;
}

function invalid(stream: string, message: string): never {
  throw new InputError('STREAM_MAPS_INVALID', `config: stream_maps for stream ${stream}: ${message}`);
}

/** Every field an expression of the map reads must be a property of the stream. */
function checkReads(map: StreamMap, stream: string, properties: Record<string, JsonSchema>): void {
  const expressions = [
    ...(map.filter ? [{ where: '__filter__', compiled: map.filter, name: '' }] : []),
    ...map.properties.flatMap((p) => (p.value ? [{ where: p.name, compiled: p.value, name: p.name }] : [])),
  ];
  for (const { where, compiled, name } of expressions) {
    for (const field of compiled.fields) {
      if (!(field in properties)) invalid(stream, `${where}: ${JSON.stringify(compiled.source)} reads ${JSON.stringify(field)}, which is not a property of the stream`);
    }
    if (compiled.self && !(name in properties)) invalid(stream, `${where}: ${JSON.stringify(compiled.source)} reads self, but the stream has no property ${JSON.stringify(name)}`);
  }
}

/** Columns the query can leave out: dropped by the map and read by nothing (not a key, not the replication key, not an expression's input). */
function droppableColumns(map: StreamMap, plan: StreamPlan, keys: readonly string[]): Set<string> {
  const expressions = [map.filter, ...map.properties.map((p) => p.value)].filter((e) => e !== undefined);
  if (expressions.some((e) => e.wholeRecord)) return new Set();
  const read = new Set(expressions.flatMap((e) => [...e.fields]));
  for (const p of map.properties) if (p.value?.self) read.add(p.name);
  const named = new Map(map.properties.map((p) => [p.name, p]));
  const needed = new Set([...plan.keyProperties, ...(plan.replicationKey ? [plan.replicationKey] : [])]);
  return new Set(
    plan.columns
      .map((c) => c.name)
      .filter((name) => {
        const property = named.get(name);
        const dropped = property ? property.value === undefined : !map.keepOthers && !keys.includes(name);
        return dropped && !needed.has(name) && !read.has(name);
      }),
  );
}

/** Whether the map leaves records with `fields` (the plan's, after dropping columns) as they are. */
function leavesRecords(map: StreamMap, plan: StreamPlan, fields: readonly string[], keys: readonly string[]): boolean {
  if (map.filter) return false;
  // New columns may appear in the WAL: only the record path can leave them out.
  if (!map.keepOthers && plan.method === 'LOG_BASED') return false;
  const selfOnly = map.properties.every((p) => (p.value ? p.reference === p.name : !fields.includes(p.name)));
  const named = new Set(map.properties.map((p) => p.name));
  return selfOnly && (map.keepOthers || fields.every((f) => named.has(f) || keys.includes(f)));
}

function withoutColumns(plan: StreamPlan, drop: Set<string>, stream: string): StreamPlan {
  if (drop.size === 0) return { ...plan, stream };
  const properties = Object.fromEntries(Object.entries((plan.schema.properties ?? {}) as Record<string, JsonSchema>).filter(([name]) => !drop.has(name)));
  return { ...plan, stream, columns: plan.columns.filter((c) => !drop.has(c.name)), schema: { ...plan.schema, properties } };
}

/**
 * `schemaOf` gives the SCHEMA a plan's stream is sent with (for LOG_BASED, with its change
 * columns). Without stream_maps in the config, the plan and context come back unchanged.
 */
export function applyStreamMaps(ctx: RunContext, sync: SyncPlan, schemaOf: (plan: StreamPlan) => JsonSchema): MappedRun {
  const maps = compileStreamMaps(ctx.config.stream_maps, ctx.config.stream_map_config);
  if (!maps) return { ...sync, ctx };
  const plans: StreamPlan[] = [];
  const mapped: MappedStream[] = [];
  const names = new Map<string, string>();
  for (const plan of sync.plans) {
    const map = maps.forStream(plan.stream);
    if (map === null) {
      ctx.log.info(`${plan.tapStreamId}: not synced (stream_maps maps stream ${plan.stream} to null)`);
      continue;
    }
    const stream = map?.alias ?? plan.stream;
    const other = names.get(stream);
    if (other !== undefined) invalid(stream, `streams ${other} and ${plan.tapStreamId} would both be sent as ${stream}`);
    names.set(stream, plan.tapStreamId);
    if (!map) {
      plans.push(plan);
      continue;
    }
    const source = schemaOf(plan);
    const properties = (source.properties ?? {}) as Record<string, JsonSchema>;
    checkReads(map, plan.stream, properties);
    const bookmarkProperties = plan.replicationKey ? [plan.replicationKey] : [];
    mapSchema(map, plan.stream, { schema: source, keyProperties: plan.keyProperties, bookmarkProperties });
    const keys = mappedKeyProperties(map, plan.stream, plan.keyProperties);
    const trimmed = withoutColumns(plan, droppableColumns(map, plan, keys), stream);
    const fields = Object.keys((schemaOf(trimmed).properties ?? {}) as Record<string, JsonSchema>);
    const changesRecords = !leavesRecords(map, trimmed, fields, keys);
    mapped.push({ stream, map, mapRecord: changesRecords ? recordMapper(map, stream, maps.config, keys) : undefined });
    plans.push(trimmed);
  }
  const unavailable = sync.unavailable.filter((u) => {
    const plan = sync.plans.find((p) => p.tapStreamId === u.tapStreamId);
    return maps.forStream(plan?.stream ?? u.tapStreamId) !== null;
  });
  return { plans, unavailable, ctx: { ...ctx, writer: mappedWriter(ctx.writer, mapped) } };
}
