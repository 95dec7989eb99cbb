/**
 * A record's JSON text after its stream's map, without parsing the record: its members are
 * split as text, copied or dropped as text, and only the fields an expression reads are decoded
 * (lib/maps/values.ts keeps their numbers exact). A plain reference (`"new": "old"`) copies the
 * old field's text. Members keep the order lib/maps/schema-map.ts gives the SCHEMA.
 *
 * A field the record does not carry (a LOG_BASED delete carries only its key) is not invented:
 * a property whose expression reads it is left out of that record, and a filter that reads it
 * keeps the record. A failing expression (Python would raise) fails the stream, naming the
 * property and the error, never the record's values.
 */
import { SyncError } from '../errors';
import { AbsentField, evaluate, type Scope } from './evaluate';
import type { PropertyMap, StreamMap } from './stream-maps';
import { decodeJson, ExpressionRuntimeError, toJsonText, truthy, type Value, type ValueMap } from './values';

interface Members {
  names: string[];
  /** `"name"` as written. */
  keyTexts: string[];
  values: string[];
}

/** End of the JSON string starting at `at` (its opening quote), just past the closing quote. */
function stringEnd(text: string, at: number): number {
  let i = at + 1;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    i += c === 0x5c ? 2 : 1;
  }
}

/** Splits a compact JSON object's text into its members (names decoded, values as text). */
export function splitMembers(text: string): Members {
  const members: Members = { names: [], keyTexts: [], values: [] };
  let i = 1;
  while (i < text.length - 1) {
    const keyEnd = stringEnd(text, i);
    const keyText = text.slice(i, keyEnd);
    const start = keyEnd + 1;
    let j = start;
    let depth = 0;
    for (; j < text.length; j += 1) {
      const c = text.charCodeAt(j);
      if (c === 0x22) {
        j = stringEnd(text, j) - 1;
      } else if (c === 0x7b || c === 0x5b) {
        depth += 1;
      } else if (c === 0x7d || c === 0x5d) {
        if (depth === 0) break;
        depth -= 1;
      } else if (c === 0x2c && depth === 0) {
        break;
      }
    }
    members.names.push(keyText.includes('\\') ? (JSON.parse(keyText) as string) : keyText.slice(1, -1));
    members.keyTexts.push(keyText);
    members.values.push(text.slice(start, j));
    i = j + 1;
  }
  return members;
}

interface CompiledProperty extends PropertyMap {
  keyText: string;
}

/** Maps one record's JSON text; undefined when the filter drops the record. */
export type RecordMapper = (recordJson: string) => string | undefined;

export function recordMapper(map: StreamMap, stream: string, config: ValueMap, keyProperties: readonly string[]): RecordMapper {
  const properties: CompiledProperty[] = map.properties.map((p) => ({ ...p, keyText: JSON.stringify(p.name) + ':' }));
  const byName = new Map(properties.map((p) => [p.name, p]));
  const setters = properties.filter((p) => p.value !== undefined);
  const keys = new Set(keyProperties);
  const failed = (what: string, source: string, error: Error): never => {
    throw new SyncError('STREAM_MAP_FAILED', `stream_maps for stream ${stream}, ${what}: ${JSON.stringify(source)} failed: ${error.message}`);
  };

  return (recordJson) => {
    const members = splitMembers(recordJson);
    const positions = new Map<string, number>();
    members.names.forEach((name, i) => positions.set(name, i));
    const decoded = new Map<number, Value>();
    let whole: ValueMap | undefined;
    const field = (name: string): Value => {
      const i = positions.get(name);
      if (i === undefined) throw new AbsentField(name);
      if (!decoded.has(i)) decoded.set(i, decodeJson(members.values[i]));
      return decoded.get(i) as Value;
    };
    const scope: Scope = {
      field,
      record: () => (whole ??= new Map(members.names.map((name) => [name, field(name)]))),
      config,
    };
    const run = (what: string, property: PropertyMap): Value | undefined => {
      const value = property.value as NonNullable<PropertyMap['value']>;
      scope.self = positions.has(property.name) ? field(property.name) : undefined;
      try {
        return evaluate(value.expr, scope);
      } catch (error) {
        if (error instanceof AbsentField) return undefined;
        if (error instanceof ExpressionRuntimeError) failed(what, value.source, error);
        throw error;
      }
    };
    if (map.filter) {
      scope.self = undefined;
      try {
        if (!truthy(evaluate(map.filter.expr, scope))) return undefined;
      } catch (error) {
        if (error instanceof ExpressionRuntimeError) failed('__filter__', map.filter.source, error);
        if (!(error instanceof AbsentField)) throw error;
      }
    }
    const valueText = (property: CompiledProperty): string | undefined => {
      if (property.reference !== undefined) {
        const i = positions.get(property.reference);
        return i === undefined ? undefined : members.values[i];
      }
      const value = run(`property ${property.name}`, property);
      return value === undefined ? undefined : toJsonText(value);
    };
    let out = '';
    const add = (member: string) => {
      out += out === '' ? member : ',' + member;
    };
    members.names.forEach((name, i) => {
      const property = byName.get(name);
      if (!property) {
        if (map.keepOthers || keys.has(name)) add(members.keyTexts[i] + ':' + members.values[i]);
      } else if (property.value) {
        const text = valueText(property);
        if (text !== undefined) add(property.keyText + text);
      }
    });
    for (const property of setters) {
      if (positions.has(property.name)) continue;
      const text = valueText(property);
      if (text !== undefined) add(property.keyText + text);
    }
    return '{' + out + '}';
  };
}
