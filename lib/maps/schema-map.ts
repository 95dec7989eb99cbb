/**
 * A stream's SCHEMA after its map: dropped properties are gone, set properties get a type, and
 * the key properties follow (`__key_properties__`, or a dropped key property renamed by a plain
 * reference `"new": "old"`). Properties the record keeps stay in their order; new ones follow
 * in the map's order.
 *
 * The type of a set property: a plain reference copies the referenced property's schema; else it
 * is inferred from the expression (md5/str → string, int → integer, float → number, bool and
 * comparisons → boolean, literals, arithmetic of typed operands); else, as the SDK does, the
 * schema the property already had, else string. Set properties are nullable. Pure.
 */
import type { JsonSchema } from '../catalog/types';
import { InputError } from '../errors';
import { fieldReference, type Expr } from './expression';
import type { PropertyMap, StreamMap } from './stream-maps';

type Scalar = 'string' | 'integer' | 'number' | 'boolean';

export interface StreamShape {
  schema: JsonSchema;
  keyProperties: string[];
  bookmarkProperties?: string[];
}

function invalid(stream: string, message: string): never {
  throw new InputError('STREAM_MAPS_INVALID', `config: stream_maps for stream ${stream}: ${message}`);
}

function scalarOf(schema: JsonSchema | undefined): Scalar | undefined {
  if (!schema) return undefined;
  const types = ([] as unknown[]).concat(schema.type ?? []).filter((t) => t !== 'null');
  const only = types.length === 1 ? types[0] : undefined;
  return only === 'string' || only === 'integer' || only === 'number' || only === 'boolean' ? only : undefined;
}

function numericResult(a: Scalar | undefined, b: Scalar | undefined): Scalar | undefined {
  const numeric = (t: Scalar | undefined) => t === 'integer' || t === 'number';
  if (!numeric(a) || !numeric(b)) return undefined;
  return a === 'integer' && b === 'integer' ? 'integer' : 'number';
}

function isNone(expr: Expr): boolean {
  return expr.kind === 'literal' && expr.value === null;
}

/** The JSON type an expression yields, when it can be told from its form. */
export function inferType(expr: Expr, properties: Record<string, JsonSchema>): Scalar | undefined {
  const reference = fieldReference(expr);
  if (reference !== undefined) return scalarOf(properties[reference]);
  switch (expr.kind) {
    case 'literal': {
      const v = expr.value;
      if (typeof v === 'string') return 'string';
      if (typeof v === 'bigint') return 'integer';
      if (typeof v === 'number') return 'number';
      return typeof v === 'boolean' ? 'boolean' : undefined;
    }
    case 'call':
      return ({ md5: 'string', str: 'string', int: 'integer', float: 'number', bool: 'boolean' } as const)[expr.fn];
    case 'unary':
      return expr.op === 'not' ? 'boolean' : numericResult(inferType(expr.arg, properties), 'integer');
    case 'compare':
      return 'boolean';
    case 'logical':
    case 'conditional': {
      // A None branch only makes the result nullable, which every set property is.
      const branches = (expr.kind === 'logical' ? [expr.left, expr.right] : [expr.then, expr.otherwise]).filter((e) => !isNone(e));
      const types = new Set(branches.map((e) => inferType(e, properties)));
      return types.size === 1 ? [...types][0] : undefined;
    }
    case 'binary': {
      const left = inferType(expr.left, properties);
      const right = inferType(expr.right, properties);
      if (expr.op === '+' && (left === 'string' || right === 'string')) return 'string';
      if (expr.op === '/') return numericResult(left, right) && 'number';
      return numericResult(left, right);
    }
    default:
      return undefined;
  }
}

function propertySchema(property: PropertyMap, properties: Record<string, JsonSchema>): JsonSchema {
  const value = property.value as NonNullable<PropertyMap['value']>;
  if (property.reference !== undefined && properties[property.reference]) return structuredClone(properties[property.reference]);
  if (value.expr.kind === 'name' && (value.expr.name === 'record' || value.expr.name === '_')) {
    return { type: ['null', 'object'], properties: structuredClone(properties) };
  }
  const inferred = inferType(value.expr, properties);
  if (inferred) return { type: ['null', inferred] };
  return properties[property.name] ? structuredClone(properties[property.name]) : { type: ['null', 'string'] };
}

/** A dropped key (or bookmark) property renamed by a plain reference takes the new name. */
function follow(map: StreamMap, names: string[]): Array<string | undefined> {
  return names.map((name) => {
    const own = map.properties.find((p) => p.name === name);
    if (!own || own.value) return name;
    return map.properties.find((p) => p.value && p.reference === name)?.name;
  });
}

/** The key properties after the map (the stream's own, followed through renames, unless overridden). */
export function mappedKeyProperties(map: StreamMap, stream: string, keyProperties: string[]): string[] {
  if (map.keyProperties !== undefined) return map.keyProperties ?? [];
  return follow(map, keyProperties).map((name, i) => {
    if (name !== undefined) return name;
    return invalid(stream, `drops key property ${JSON.stringify(keyProperties[i])}: rename it ("new_name": "${keyProperties[i]}"), or set __key_properties__ to the new key (null for none)`);
  });
}

/** The property names a record of this stream keeps, in order, for `sourceNames` (the record's). */
export function mappedNames(map: StreamMap, sourceNames: readonly string[], keys: readonly string[]): string[] {
  const byName = new Map(map.properties.map((p) => [p.name, p]));
  const kept = sourceNames.filter((name) => {
    const property = byName.get(name);
    return property ? property.value !== undefined : map.keepOthers || keys.includes(name);
  });
  const added = map.properties.filter((p) => p.value && !sourceNames.includes(p.name)).map((p) => p.name);
  return [...kept, ...added];
}

export function mapSchema(map: StreamMap, stream: string, shape: StreamShape): StreamShape {
  const properties = (shape.schema.properties ?? {}) as Record<string, JsonSchema>;
  const keys = mappedKeyProperties(map, stream, shape.keyProperties);
  const byName = new Map(map.properties.map((p) => [p.name, p]));
  const out: Record<string, JsonSchema> = {};
  for (const name of mappedNames(map, Object.keys(properties), keys)) {
    const property = byName.get(name);
    out[name] = property?.value ? propertySchema(property, properties) : properties[name];
  }
  for (const key of keys) {
    if (!(key in out)) invalid(stream, `key property ${JSON.stringify(key)} is not a property of the mapped stream`);
  }
  const mapped: StreamShape = { schema: { ...shape.schema, properties: out }, keyProperties: keys };
  if (shape.bookmarkProperties !== undefined) {
    mapped.bookmarkProperties = follow(map, shape.bookmarkProperties).filter((name): name is string => name !== undefined && name in out);
  }
  return mapped;
}
