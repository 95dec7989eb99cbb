import { liveColumns } from '../../lib/catalog/live-columns';
import { metadataMap } from '../../lib/catalog/metadata';
import type { CatalogStream } from '../../lib/catalog/types';
import type { TapConfig } from '../../lib/config/types';
import type { ColumnInfo, ColumnType, RelationInfo } from '../../lib/pg/types';

function type(kind: ColumnType['kind'], sqlDatatype: string): ColumnType {
  return { kind, isArray: false, sqlType: sqlDatatype, sqlDatatype, baseTypeName: sqlDatatype, delimiter: ',' };
}

function column(name: string, t: ColumnType, position: number, notNull = false): ColumnInfo {
  return { name, position, type: t, notNull, supported: true };
}

function relation(columns: ColumnInfo[]): RelationInfo {
  return { oid: 1, schema: 'public', name: 't', kind: 'r', rowEstimate: 0, primaryKey: ['id'], columns };
}

/** A catalog made at discovery time: id integer, code text, doc jsonb; `note` deselected. */
const catalogStream: CatalogStream = {
  tap_stream_id: 'public-t',
  stream: 't',
  schema: { type: 'object', properties: { id: { type: ['integer'] }, code: { type: ['null', 'string'] }, doc: { type: ['null', 'string'] }, note: { type: ['null', 'string'] } } },
  metadata: [
    { breadcrumb: [], metadata: { selected: true, 'schema-name': 'public' } },
    { breadcrumb: ['properties', 'id'], metadata: { inclusion: 'automatic', 'sql-datatype': 'integer' } },
    { breadcrumb: ['properties', 'code'], metadata: { inclusion: 'available', 'sql-datatype': 'text' } },
    { breadcrumb: ['properties', 'doc'], metadata: { inclusion: 'available', 'sql-datatype': 'jsonb' } },
    { breadcrumb: ['properties', 'note'], metadata: { inclusion: 'available', selected: false, 'sql-datatype': 'text' } },
  ],
} as CatalogStream;

function config(overrides: Partial<TapConfig> = {}): TapConfig {
  return { json_as_object: false, new_columns: 'include', ...overrides } as TapConfig;
}

const live = (extra: ColumnInfo[] = []) =>
  relation([column('id', type('integer', 'integer'), 1, true), column('code', type('integer', 'integer'), 2), column('doc', type('jsonb', 'jsonb'), 3), column('note', type('string', 'text'), 4), ...extra]);

test('a column whose type changed: the live type in the SCHEMA and a warning naming column, old and new type', () => {
  const result = liveColumns(catalogStream, metadataMap(catalogStream), live(), ['id'], config());
  expect(result.columns.map((c) => c.name)).toEqual(['id', 'code', 'doc']);
  expect(result.schema.properties).toEqual({
    id: { type: ['integer'], minimum: -2147483648, maximum: 2147483647 },
    code: { type: ['null', 'integer'], minimum: -2147483648, maximum: 2147483647 },
    doc: { type: ['null', 'string'] },
  });
  expect(result.warnings).toEqual(['column code changed type since discovery, from text to integer; it is sent with its new type']);
});

test('json_as_object as configured now, not as at discovery', () => {
  const result = liveColumns(catalogStream, metadataMap(catalogStream), live(), ['id'], config({ json_as_object: true }));
  expect((result.schema.properties as Record<string, unknown>).doc).toEqual({ type: ['null', 'object', 'array', 'string', 'number', 'boolean'] });
});

test('a column added since discovery: typed under include, left out under ignore', () => {
  const added = column('score', type('double', 'double precision'), 5, true);
  const included = liveColumns(catalogStream, metadataMap(catalogStream), live([added]), ['id'], config());
  expect(included.columns.map((c) => c.name)).toEqual(['id', 'code', 'doc', 'score']);
  expect((included.schema.properties as Record<string, unknown>).score).toEqual({ type: ['null', 'number'] });
  expect(included.warnings).toContain('column(s) score (double precision) added since discovery are sent (new_columns: include)');
  const ignored = liveColumns(catalogStream, metadataMap(catalogStream), live([added]), ['id'], config({ new_columns: 'ignore' }));
  expect(ignored.columns.map((c) => c.name)).toEqual(['id', 'code', 'doc']);
  expect(ignored.schema.properties).not.toHaveProperty('score');
});

test('a selected column that no longer exists: a warning, the others go on; a deselected one is not mentioned', () => {
  const gone = relation([column('id', type('integer', 'integer'), 1, true), column('code', type('string', 'text'), 2)]);
  const result = liveColumns(catalogStream, metadataMap(catalogStream), gone, ['id'], config());
  expect(result.columns.map((c) => c.name)).toEqual(['id', 'code']);
  expect(result.warnings).toEqual(['selected column doc no longer exists; the stream goes on without it']);
});
