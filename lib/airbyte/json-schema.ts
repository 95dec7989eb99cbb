/**
 * PostgreSQL column types → Airbyte stream JSON Schema: the same classification (ValueKind) as
 * the Singer catalog and the value converter, written with Airbyte's `airbyte_type` annotations
 * where a well-known type applies. Nullable columns allow null. Pure.
 *
 * timestamp without time zone is declared with a zone: the tap writes every timestamp in UTC
 * with `+00:00`, and the declared type must match the value.
 */
import type { ColumnInfo, ColumnType, ValueKind } from '../pg/types';
import type { JsonSchema } from './types';

/** The change columns of CDC streams. */
export const CDC_LSN = '_ab_cdc_lsn';
export const CDC_UPDATED_AT = '_ab_cdc_updated_at';
export const CDC_DELETED_AT = '_ab_cdc_deleted_at';

const TIMESTAMP_TZ: JsonSchema = { type: 'string', format: 'date-time', airbyte_type: 'timestamp_with_timezone' };

function scalar(kind: ValueKind): JsonSchema {
  switch (kind) {
    case 'smallint':
    case 'integer':
    case 'bigint':
      return { type: 'number', airbyte_type: 'integer' };
    case 'numeric':
    case 'real':
    case 'double':
      return { type: 'number' };
    case 'boolean':
    case 'bit1':
      return { type: 'boolean' };
    case 'date':
      return { type: 'string', format: 'date' };
    case 'time':
      return { type: 'string', format: 'time', airbyte_type: 'time_without_timezone' };
    case 'timetz':
      return { type: 'string', format: 'time', airbyte_type: 'time_with_timezone' };
    case 'timestamp':
    case 'timestamptz':
      return { ...TIMESTAMP_TZ };
    case 'hstore':
      return { type: 'object' };
    case 'json':
    case 'jsonb':
    case 'interval':
    case 'bytea':
    case 'string':
      return { type: 'string' };
  }
}

function nullable(schema: JsonSchema): JsonSchema {
  return { ...schema, type: ['null', schema.type as string] };
}

/** One column's property schema (json/jsonb as JSON text, as the tap writes them by default). */
export function columnSchema(type: ColumnType, notNull: boolean): JsonSchema {
  if (type.isArray) {
    const items = nullable(scalar(type.kind));
    return notNull ? { type: 'array', items } : { type: ['null', 'array'], items };
  }
  const schema = scalar(type.kind);
  return notNull ? schema : nullable(schema);
}

/** The stream's json_schema: its readable columns, plus the change columns in CDC mode. */
export function streamSchema(columns: readonly ColumnInfo[], cdc: boolean): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const column of columns) {
    if (!column.supported) continue;
    // defineProperty: a column may be named `__proto__`
    Object.defineProperty(properties, column.name, { value: columnSchema(column.type, column.notNull), enumerable: true, writable: true, configurable: true });
  }
  if (cdc) {
    properties[CDC_LSN] = { type: ['null', 'number'], airbyte_type: 'integer' };
    properties[CDC_UPDATED_AT] = nullable(TIMESTAMP_TZ);
    properties[CDC_DELETED_AT] = nullable(TIMESTAMP_TZ);
  }
  return { type: 'object', $schema: 'http://json-schema.org/draft-07/schema#', additionalProperties: true, properties };
}
