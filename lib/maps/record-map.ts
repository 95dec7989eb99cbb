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
  /** Where each member starts (its opening quote), where its value starts, and where it ends. */
  starts: number[];
  valueStarts: number[];
  ends: number[];
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

/** Splits a compact JSON object's text into its members: names decoded, the rest as offsets. */
export function splitMembers(text: string): Members {
  const members: Members = { names: [], starts: [], valueStarts: [], ends: [] };
  let i = 1;
  while (i < text.length - 1) {
    const keyEnd = stringEnd(text, i);
    let j = keyEnd + 1;
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
    const keyText = text.slice(i, keyEnd);
    members.names.push(keyText.includes('\\') ? (JSON.parse(keyText) as string) : keyText.slice(1, -1));
    members.starts.push(i);
    members.valueStarts.push(keyEnd + 1);
    members.ends.push(j);
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
    const { names } = members;
    const valueText = (i: number) => recordJson.slice(members.valueStarts[i], members.ends[i]);
    const decoded: Array<Value | undefined> = [];
    let whole: ValueMap | undefined;
    const field = (name: string): Value => {
      const i = names.indexOf(name);
      if (i === -1) throw new AbsentField(name);
      return (decoded[i] ??= decodeJson(valueText(i)));
    };
    const scope: Scope = {
      field,
      record: () => (whole ??= new Map(names.map((name) => [name, field(name)]))),
      config,
    };
    if (map.filter) {
      try {
        if (!truthy(evaluate(map.filter.expr, scope))) return undefined;
      } catch (error) {
        if (error instanceof ExpressionRuntimeError) failed('__filter__', map.filter.source, error);
        if (!(error instanceof AbsentField)) throw error;
      }
    }
    const computed = (property: CompiledProperty): string | undefined => {
      if (property.reference !== undefined) {
        const i = names.indexOf(property.reference);
        return i === -1 ? undefined : valueText(i);
      }
      const value = property.value as NonNullable<PropertyMap['value']>;
      scope.self = names.includes(property.name) ? field(property.name) : undefined;
      try {
        return toJsonText(evaluate(value.expr, scope));
      } catch (error) {
        if (error instanceof AbsentField) return undefined;
        if (error instanceof ExpressionRuntimeError) failed(`property ${property.name}`, value.source, error);
        throw error;
      }
    };
    // Members kept as they are are copied in runs of the record's own text.
    let out = '';
    let runStart = -1;
    let runEnd = -1;
    const add = (member: string) => {
      out += out === '' ? member : ',' + member;
    };
    const endRun = () => {
      if (runStart === -1) return;
      add(recordJson.slice(runStart, runEnd));
      runStart = -1;
    };
    for (let i = 0; i < names.length; i += 1) {
      const property = byName.get(names[i]);
      if (!property && (map.keepOthers || keys.has(names[i]))) {
        if (runStart === -1) runStart = members.starts[i];
        runEnd = members.ends[i];
        continue;
      }
      endRun();
      const text = property?.value ? computed(property) : undefined;
      if (text !== undefined) add(property!.keyText + text);
    }
    if (out === '' && runStart === members.starts[0] && runEnd === members.ends[names.length - 1] && setters.length === 0) return recordJson;
    endRun();
    for (const property of setters) {
      if (names.includes(property.name)) continue;
      const text = computed(property);
      if (text !== undefined) add(property.keyText + text);
    }
    return '{' + out + '}';
  };
}
