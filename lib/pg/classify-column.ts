/**
 * Classifies a PostgreSQL column type (as the discovery query reports it, domains already
 * resolved) into the shared `ColumnType`. Pure: no I/O.
 */
import type { ColumnType, ValueKind } from './types';

/** What the discovery query knows about a column's type, domains and array element resolved. */
export interface RawColumnType {
  /** format_type(atttypid, atttypmod). */
  sqlType: string;
  /** format_type(atttypid, NULL). */
  sqlDatatype: string;
  /** pg_type.typname of the base type (of the element for arrays). */
  typeName: string;
  /** Schema of that type. */
  typeSchema: string;
  /** pg_type.typtype of that type: b base, c composite, e enum, r range, m multirange, p pseudo. */
  typtype: string;
  /** The effective type modifier (column's, else the domain's); -1 when none. */
  typmod: number;
  isArray: boolean;
  /** pg_type.typdelim of the element type. */
  delimiter: string;
}

const BUILTIN_KINDS: Readonly<Record<string, ValueKind>> = {
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  numeric: 'numeric',
  float4: 'real',
  float8: 'double',
  bool: 'boolean',
  date: 'date',
  time: 'time',
  timetz: 'timetz',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  interval: 'interval',
  json: 'json',
  jsonb: 'jsonb',
  bytea: 'bytea',
};

/** Extension types recognised by name, whatever schema the extension was installed in. */
const EXTENSION_TYPES: ReadonlySet<string> = new Set(['hstore', 'citext']);

/** String types whose comparison is a meaningful, stable cursor (INCREMENTAL replication key). */
// Dates and timestamps are `string` only as dates_as_string text, still ordered by the server as dates.
const CURSOR_STRING_TYPES: ReadonlySet<string> = new Set(['text', 'varchar', 'bpchar', 'citext', 'name', 'uuid', 'date', 'timestamp', 'timestamptz']);

const CURSOR_KINDS: ReadonlySet<ValueKind> = new Set<ValueKind>([
  'smallint', 'integer', 'bigint', 'numeric', 'real', 'double', 'date', 'time', 'timestamp', 'timestamptz',
]);

function isBuiltin(raw: RawColumnType): boolean {
  return raw.typeSchema === 'pg_catalog';
}

function kindOf(raw: RawColumnType): ValueKind {
  if (raw.typeName === 'hstore' && raw.typtype === 'b') return 'hstore';
  if (!isBuiltin(raw)) return 'string';
  if (raw.typeName === 'bit') return raw.typmod === 1 ? 'bit1' : 'string';
  return BUILTIN_KINDS[raw.typeName] ?? 'string';
}

function baseTypeNameOf(raw: RawColumnType): string {
  if (isBuiltin(raw) || (EXTENSION_TYPES.has(raw.typeName) && raw.typtype === 'b')) return raw.typeName;
  return `${raw.typeSchema}.${raw.typeName}`;
}

function sqlDatatypeOf(raw: RawColumnType): string {
  const bitLength = isBuiltin(raw) && raw.typeName === 'bit' && raw.typmod > 1 ? raw.typmod : 0;
  if (bitLength && raw.sqlDatatype === 'bit') return `bit(${bitLength})`;
  if (bitLength && raw.sqlDatatype === 'bit[]') return `bit(${bitLength})[]`;
  return raw.sqlDatatype;
}

function maxLengthOf(raw: RawColumnType): number | undefined {
  const isChar = isBuiltin(raw) && (raw.typeName === 'varchar' || raw.typeName === 'bpchar');
  return isChar && raw.typmod >= 4 ? raw.typmod - 4 : undefined;
}

/**
 * The shared classification of a column. `supported` is false only for pseudo types (which have
 * no text output a reader could use); every other type is at least readable as a string.
 */
export function classifyColumn(raw: RawColumnType): { type: ColumnType; supported: boolean } {
  const type: ColumnType = {
    kind: kindOf(raw),
    isArray: raw.isArray,
    sqlType: raw.sqlType,
    baseTypeName: baseTypeNameOf(raw),
    delimiter: raw.delimiter || ',',
    sqlDatatype: sqlDatatypeOf(raw),
  };
  const maxLength = maxLengthOf(raw);
  if (maxLength !== undefined) type.maxLength = maxLength;
  return { type, supported: raw.typtype !== 'p' && raw.typeName !== '' };
}

/** Usable as an INCREMENTAL replication key: ordered, comparable, not an array or document. */
export function isCursorCapable(type: ColumnType): boolean {
  if (type.isArray) return false;
  if (CURSOR_KINDS.has(type.kind)) return true;
  return type.kind === 'string' && CURSOR_STRING_TYPES.has(type.baseTypeName);
}
