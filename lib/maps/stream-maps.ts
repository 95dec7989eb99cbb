/**
 * The `stream_maps` and `stream_map_config` settings (the Singer SDK's inline stream maps),
 * checked and compiled once, before connecting: a bad map is an InputError (exit 2) naming the
 * stream, the property and what is wrong.
 *
 * `stream_maps` maps a stream name (or an fnmatch pattern: `*`, `?`, `[abc]`, `[!abc]`) to
 * `null` (the stream is not synced) or an object of properties: `"col": null` drops a
 * property, `"col": "<expression>"` sets it (lib/maps/expression.ts), and the options
 * `__alias__` (the stream's new name), `__filter__` (records for which the expression is false
 * are not sent), `__key_properties__` (new key properties, or null for none) and
 * `__else__: null` (properties not named are dropped; key properties stay). A top-level
 * `"__else__": null` drops every stream no map names. `"__NULL__"` stands for null anywhere.
 * When several keys match a stream, the last one wins, as in the SDK.
 */
import { InputError } from '../errors';
import { ExpressionSyntaxError, fieldReference, parseExpression, readsOf, type Expr } from './expression';
import { fromPlain, type ValueMap } from './values';

const NULL_STRING = '__NULL__';
const OPTIONS = ['__alias__', '__filter__', '__key_properties__', '__else__'];

export interface CompiledExpression {
  source: string;
  expr: Expr;
  /** The record fields it names. */
  fields: Set<string>;
  /** It reads the whole record (`record` or `_` without a literal key). */
  wholeRecord: boolean;
  self: boolean;
}

export interface PropertyMap {
  name: string;
  /** Undefined: the property is dropped. */
  value?: CompiledExpression;
  /** When the expression is just another field (`"new": "old"`), that field. */
  reference?: string;
}

export interface StreamMap {
  /** The stream_maps key it came from (for messages). */
  key: string;
  alias?: string;
  filter?: CompiledExpression;
  /** `__key_properties__`: a new list, null (no keys), or undefined (the stream's own). */
  keyProperties?: string[] | null;
  /** False under `"__else__": null`. */
  keepOthers: boolean;
  properties: PropertyMap[];
}

export interface StreamMaps {
  /** The stream's map; null when the stream is not to be synced; undefined when it is unchanged. */
  forStream(stream: string): StreamMap | null | undefined;
  /** stream_map_config, as expression values. */
  config: ValueMap;
}

function invalid(where: string, message: string): never {
  throw new InputError('STREAM_MAPS_INVALID', `config: ${where}: ${message}`);
}

function isNull(value: unknown): boolean {
  return value === null || value === NULL_STRING;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** fnmatch's pattern as a RegExp over the whole name. */
export function globPattern(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i];
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[' && pattern.indexOf(']', i + 2) > i) {
      const end = pattern.indexOf(']', i + 2);
      let set = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
      if (set.startsWith('!')) set = '^' + set.slice(1);
      source += `[${set}]`;
      i = end;
    } else source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

function compileExpression(where: string, source: unknown, config: ValueMap): CompiledExpression {
  if (typeof source !== 'string') invalid(where, `must be an expression string or null (got ${JSON.stringify(source)})`);
  let expr: Expr;
  try {
    expr = parseExpression(source);
  } catch (error) {
    if (error instanceof ExpressionSyntaxError) invalid(where, `${JSON.stringify(source)}: ${error.message}`);
    throw error;
  }
  const reads = readsOf(expr);
  for (const key of reads.configKeys) {
    if (!config.has(key)) invalid(where, `${JSON.stringify(source)} reads config[${JSON.stringify(key)}], which stream_map_config does not have`);
  }
  return { source, expr, fields: reads.fields, wholeRecord: reads.wholeRecord, self: reads.self };
}

function keyList(where: string, value: unknown): string[] | null {
  if (isNull(value)) return null;
  if (!Array.isArray(value) || !value.every((k) => typeof k === 'string' && k !== '')) {
    invalid(where, `must be an array of property names or null (got ${JSON.stringify(value)})`);
  }
  return value as string[];
}

function compileStream(key: string, raw: Record<string, unknown>, config: ValueMap): StreamMap {
  const at = (name: string) => `stream_maps.${key}.${name}`;
  const map: StreamMap = { key, keepOthers: true, properties: [] };
  for (const [name, value] of Object.entries(raw)) {
    if (name === '__source__') invalid(at(name), 'stream duplication (__source__) is not supported; map the stream itself');
    if (name.startsWith('__') && name.endsWith('__') && !OPTIONS.includes(name)) {
      invalid(at(name), `is not a stream map option (options: ${OPTIONS.join(', ')})`);
    }
    if (name === '__alias__') {
      if (typeof value !== 'string' || value === '') invalid(at(name), `must be a stream name (got ${JSON.stringify(value)})`);
      map.alias = value;
    } else if (name === '__filter__') {
      map.filter = compileExpression(at(name), value, config);
      if (map.filter.self) invalid(at(name), `${JSON.stringify(value)}: self has no meaning in a filter`);
    } else if (name === '__key_properties__') {
      map.keyProperties = keyList(at(name), value);
    } else if (name === '__else__') {
      if (!isNull(value)) invalid(at(name), `only null is supported (got ${JSON.stringify(value)})`);
      map.keepOthers = false;
    } else if (isNull(value)) {
      map.properties.push({ name });
    } else {
      const compiled = compileExpression(at(name), value, config);
      const isSelf = compiled.expr.kind === 'name' && compiled.expr.name === 'self';
      map.properties.push({ name, value: compiled, reference: isSelf ? name : fieldReference(compiled.expr) });
    }
  }
  return map;
}

/** Compiles the settings; undefined when there are no stream maps (nothing changes). */
export function compileStreamMaps(rawMaps: unknown, rawConfig: unknown): StreamMaps | undefined {
  if (rawMaps === undefined || rawMaps === null) return undefined;
  if (!isPlainObject(rawMaps)) invalid('stream_maps', 'must be an object');
  if (rawConfig !== undefined && rawConfig !== null && !isPlainObject(rawConfig)) invalid('stream_map_config', 'must be an object');
  const config = fromPlain(rawConfig ?? {}) as ValueMap;
  let dropOthers = false;
  const entries: Array<{ pattern: RegExp; map: StreamMap | null }> = [];
  for (const [key, value] of Object.entries(rawMaps)) {
    if (key === '__else__') {
      if (!isNull(value)) invalid('stream_maps.__else__', `only null is supported (got ${JSON.stringify(value)})`);
      dropOthers = true;
      continue;
    }
    if (key.startsWith('__')) invalid(`stream_maps.${key}`, 'is not a stream_maps option (only __else__)');
    if (isNull(value)) entries.push({ pattern: globPattern(key), map: null });
    else if (isPlainObject(value)) entries.push({ pattern: globPattern(key), map: compileStream(key, value, config) });
    else invalid(`stream_maps.${key}`, `must be an object or null (got ${JSON.stringify(value)})`);
  }
  if (entries.length === 0 && !dropOthers) return undefined;
  return {
    config,
    forStream(stream) {
      for (let i = entries.length - 1; i >= 0; i -= 1) if (entries[i].pattern.test(stream)) return entries[i].map;
      return dropOthers ? null : undefined;
    },
  };
}
