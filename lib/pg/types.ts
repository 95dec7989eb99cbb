/**
 * The neutral PostgreSQL model: what the introspection query learns about the database, read by
 * discovery, the catalog, the sync and the value converter alike. No I/O.
 * `ValueKind` is the one classification of a PostgreSQL type that both the JSON Schema mapping
 * (lib/catalog/type-map.ts) and the value converter (lib/values) switch on, so the two can never
 * disagree.
 */
export type ValueKind =
  | 'smallint' // int2
  | 'integer' // int4, oid-like 32-bit integers
  | 'bigint' // int8
  | 'numeric'
  | 'real' // float4
  | 'double' // float8
  | 'boolean'
  | 'bit1' // bit(1): '1' -> true
  | 'string' // text-like output emitted as a JSON string unchanged (text, varchar, char, citext, uuid, inet, cidr, macaddr, money, enum, bit(n), varbit, xml, ranges, geometric, tsvector, pg_lsn, composite, ...)
  | 'date'
  | 'time'
  | 'timetz'
  | 'timestamp'
  | 'timestamptz'
  | 'interval'
  | 'json'
  | 'jsonb'
  | 'hstore'
  | 'bytea';

export interface ColumnType {
  kind: ValueKind;
  /** True for array types of any declared depth; values may nest to any depth. */
  isArray: boolean;
  /** `format_type(atttypid, atttypmod)`, e.g. `character varying(64)`, `integer[]`, `"Mood"`. */
  sqlType: string;
  /** The base (domain-resolved, element for arrays) type name, e.g. `int8`, `varchar`, `hstore`. */
  baseTypeName: string;
  /** Array element delimiter from pg_type.typdelim (',' for all but box, which uses ';'). */
  delimiter: string;
  /** For character varying(n)/character(n). */
  maxLength?: number;
  /**
   * The catalog's `sql-datatype`: `format_type(atttypid, NULL)` as the Python taps write it
   * (`character varying`, `integer[]`, an enum's name), but `bit(N)` for bit(N > 1).
   * Absent on hand-built types; `sqlType` stands in then.
   */
  sqlDatatype?: string;
}

export interface ColumnInfo {
  name: string;
  /** pg_attribute.attnum. */
  position: number;
  type: ColumnType;
  notNull: boolean;
  /** False when the column's type cannot be read as text (`inclusion: unsupported`). */
  supported: boolean;
}

export type RelationKind = 'r' | 'v' | 'm' | 'p' | 'f';

export interface RelationInfo {
  oid: number;
  schema: string;
  name: string;
  kind: RelationKind;
  /** pg_class.reltuples, clamped to >= 0 (estimate; -1 "never analysed" becomes 0). */
  rowEstimate: number;
  /** Primary key columns in key order; [] for views and keyless tables. */
  primaryKey: string[];
  columns: ColumnInfo[];
}

export function isViewKind(kind: RelationKind): boolean {
  return kind === 'v' || kind === 'm';
}

/**
 * The live relations of these schemas (every readable one when the list is empty): the
 * discovery query, handed to the sync by its caller so that the sync never imports discovery.
 */
export type RelationLookup = (schemas: readonly string[]) => Promise<RelationInfo[]>;
