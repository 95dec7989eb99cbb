/**
 * PostgreSQL column type → JSON Schema for the Singer catalog. Pure: no I/O.
 * Arrays of any depth follow the singer-io convention: the column's `items` point at a recursive
 * `sdc_recursive_<name>_array` definition whose items point at itself. Output stays inside what
 * schemas/singer/stream-schema.schema.json allows on a column: no multipleOf, exclusive bounds or
 * additionalProperties, and integer minimum/maximum only.
 */
import type { ColumnInfo, ColumnType, ValueKind } from '../pg/types';
import type { JsonSchema } from './types';

export interface TypeMapOptions {
  /** json/jsonb as parsed JSON (object or array) instead of JSON text. */
  jsonAsObject: boolean;
}

/** A JSON type and format; `name` names the recursive array definition. */
interface ScalarShape {
  jsonType: string | string[];
  format?: string;
  name: string;
}

const INTEGER_BOUNDS: Partial<Record<ValueKind, [number, number]>> = {
  smallint: [-32768, 32767],
  integer: [-2147483648, 2147483647],
};

function scalarShape(kind: ValueKind, options: TypeMapOptions): ScalarShape {
  switch (kind) {
    case 'smallint':
    case 'integer':
    case 'bigint':
      return { jsonType: 'integer', name: 'integer' };
    case 'numeric':
    case 'real':
    case 'double':
      return { jsonType: 'number', name: 'number' };
    case 'boolean':
    case 'bit1':
      return { jsonType: 'boolean', name: 'boolean' };
    case 'date':
      return { jsonType: 'string', format: 'date', name: 'date' };
    case 'time':
    case 'timetz':
      return { jsonType: 'string', format: 'time', name: 'time' };
    case 'timestamp':
    case 'timestamptz':
      return { jsonType: 'string', format: 'date-time', name: 'timestamp' };
    case 'json':
    case 'jsonb':
      // Any JSON value: a json column may hold a scalar, and the JSON null even when NOT NULL.
      return options.jsonAsObject ? { jsonType: JSON_VALUE_TYPES, name: 'json' } : { jsonType: 'string', name: 'string' };
    case 'hstore':
      return { jsonType: 'object', name: 'object' };
    case 'string':
    case 'interval':
    case 'bytea':
      return { jsonType: 'string', name: 'string' };
  }
}

const JSON_VALUE_TYPES = ['null', 'object', 'array', 'string', 'number', 'boolean'];

function typeList(jsonType: string | string[], nullable: boolean): string[] {
  const types = Array.isArray(jsonType) ? jsonType : [jsonType];
  return nullable && !types.includes('null') ? ['null', ...types] : [...types];
}

/**
 * Column schemas and array definitions are shared, frozen: the columns of thousands of tables
 * have a few distinct types, and a plan or catalog holds each schema for the whole run.
 */
const sharedSchemas = new Map<string, JsonSchema>();

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

function sharedSchema(key: string, build: () => JsonSchema): JsonSchema {
  let schema = sharedSchemas.get(key);
  if (schema === undefined) sharedSchemas.set(key, (schema = deepFreeze(build())));
  return schema;
}

export function arrayDefinitionName(type: ColumnType, options: TypeMapOptions): string {
  return `sdc_recursive_${scalarShape(type.kind, options).name}_array`;
}

/** The recursive definition an array column's `items` refer to (shared, frozen). */
export function arrayDefinition(type: ColumnType, options: TypeMapOptions): JsonSchema {
  return sharedSchema(`definition\u0000${type.kind}\u0000${options.jsonAsObject}`, () => buildArrayDefinition(type, options));
}

function buildArrayDefinition(type: ColumnType, options: TypeMapOptions): JsonSchema {
  const shape = scalarShape(type.kind, options);
  const name = arrayDefinitionName(type, options);
  const types = typeList(shape.jsonType, true);
  if (!types.includes('array')) types.push('array');
  const definition: JsonSchema = { type: types };
  if (shape.format) definition.format = shape.format;
  definition.items = { $ref: `#/definitions/${name}` };
  return definition;
}

/** The JSON Schema of one column (shared, frozen); array columns refer to `arrayDefinition(type)`. */
export function columnSchema(type: ColumnType, notNull: boolean, options: TypeMapOptions): JsonSchema {
  const key = `column\u0000${type.kind}\u0000${type.isArray}\u0000${notNull}\u0000${type.maxLength ?? ''}\u0000${options.jsonAsObject}`;
  return sharedSchema(key, () => buildColumnSchema(type, notNull, options));
}

function buildColumnSchema(type: ColumnType, notNull: boolean, options: TypeMapOptions): JsonSchema {
  const nullable = !notNull;
  if (type.isArray) {
    return { type: typeList('array', nullable), items: { $ref: `#/definitions/${arrayDefinitionName(type, options)}` } };
  }
  const shape = scalarShape(type.kind, options);
  const schema: JsonSchema = { type: typeList(shape.jsonType, nullable) };
  if (shape.format) schema.format = shape.format;
  const bounds = INTEGER_BOUNDS[type.kind];
  if (bounds) {
    schema.minimum = bounds[0];
    schema.maximum = bounds[1];
  }
  if (type.kind === 'string' && type.maxLength !== undefined) schema.maxLength = type.maxLength;
  if (type.kind === 'hstore') schema.properties = {};
  return schema;
}

/**
 * The stream schema of these columns: `{type: object, properties, definitions}` with only the
 * recursive definitions the array columns use (no `definitions` key when there are none).
 */
export function tableSchema(columns: readonly ColumnInfo[], options: TypeMapOptions): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const definitions: Record<string, JsonSchema> = {};
  for (const column of columns) {
    // defineProperty: a column may be named `__proto__`
    Object.defineProperty(properties, column.name, {
      value: columnSchema(column.type, column.notNull, options),
      enumerable: true,
      writable: true,
      configurable: true,
    });
    if (column.type.isArray) definitions[arrayDefinitionName(column.type, options)] = arrayDefinition(column.type, options);
  }
  const schema: JsonSchema = { type: 'object', properties };
  if (Object.keys(definitions).length > 0) schema.definitions = definitions;
  return schema;
}
