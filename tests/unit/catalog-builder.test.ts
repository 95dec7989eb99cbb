import { buildCatalog } from '../../lib/discovery/catalog-builder';
import type { ColumnInfo, ColumnType, RelationInfo, RelationKind, ValueKind } from '../../lib/pg/types';
import { contractErrors, contractValidators } from '../helpers/contract-schemas';

function type(kind: ValueKind, baseTypeName: string, sqlDatatype: string, isArray = false): ColumnType {
  return { kind, isArray, sqlType: sqlDatatype, sqlDatatype, baseTypeName, delimiter: ',' };
}

function column(name: string, position: number, columnType: ColumnType, extra: Partial<ColumnInfo> = {}): ColumnInfo {
  return { name, position, type: columnType, notNull: false, supported: true, ...extra };
}

function relation(schema: string, name: string, kind: RelationKind, columns: ColumnInfo[], primaryKey: string[] = []): RelationInfo {
  return { oid: 1, schema, name, kind, rowEstimate: 12.4, primaryKey, columns };
}

const OPTIONS = { databaseName: 'shop', jsonAsObject: false };

const orders = relation('sales', 'orders', 'r', [
  // deliberately out of attnum order: the builder orders by position
  column('tags', 3, type('string', 'text', 'text[]', true)),
  column('id', 1, type('bigint', 'int8', 'bigint'), { notNull: true }),
  column('placed_at', 2, type('timestamptz', 'timestamptz', 'timestamp with time zone')),
  column('odd', 4, type('string', 'anyarray', 'anyarray'), { supported: false }),
  column('flags', 5, type('string', 'bit', 'bit(5)')),
], ['id']);

describe('buildCatalog', () => {
  const catalog = buildCatalog([
    relation('sales', 'v_orders', 'v', [column('id', 1, type('bigint', 'int8', 'bigint'))], ['id']),
    orders,
    relation('a', 'mv', 'm', [column('d', 1, type('date', 'date', 'date'))]),
  ], OPTIONS);

  test('streams sorted by tap_stream_id = stream = <schema>-<table>', () => {
    expect(catalog.streams.map((s) => [s.tap_stream_id, s.stream, s.table_name])).toEqual([
      ['a-mv', 'a-mv', 'mv'],
      ['sales-orders', 'sales-orders', 'orders'],
      ['sales-v_orders', 'sales-v_orders', 'v_orders'],
    ]);
  });

  test('a table: schema, key properties and every metadata entry', () => {
    const stream = catalog.streams[1];
    expect(stream.key_properties).toEqual(['id']);
    expect(Object.keys(stream.schema.properties ?? {})).toEqual(['id', 'placed_at', 'tags', 'odd', 'flags']);
    expect(stream.schema.type).toBe('object');
    expect(stream.schema.definitions).toEqual({
      sdc_recursive_string_array: { type: ['null', 'string', 'array'], items: { $ref: '#/definitions/sdc_recursive_string_array' } },
    });
    expect(stream.metadata).toEqual([
      {
        breadcrumb: [],
        metadata: {
          'schema-name': 'sales',
          'database-name': 'shop',
          'table-key-properties': ['id'],
          'is-view': false,
          'row-count': 12,
          'valid-replication-keys': ['id', 'placed_at'],
        },
      },
      { breadcrumb: ['properties', 'id'], metadata: { 'sql-datatype': 'bigint', inclusion: 'automatic', 'selected-by-default': true } },
      { breadcrumb: ['properties', 'placed_at'], metadata: { 'sql-datatype': 'timestamp with time zone', inclusion: 'available', 'selected-by-default': true } },
      { breadcrumb: ['properties', 'tags'], metadata: { 'sql-datatype': 'text[]', inclusion: 'available', 'selected-by-default': true } },
      { breadcrumb: ['properties', 'odd'], metadata: { 'sql-datatype': 'anyarray', inclusion: 'unsupported', 'selected-by-default': false } },
      { breadcrumb: ['properties', 'flags'], metadata: { 'sql-datatype': 'bit(5)', inclusion: 'available', 'selected-by-default': true } },
    ]);
    expect(JSON.stringify(stream)).not.toContain('"selected"');
  });

  test('views and materialized views: no keys, is-view, forced FULL_TABLE', () => {
    for (const stream of [catalog.streams[0], catalog.streams[2]]) {
      const top = stream.metadata?.[0].metadata ?? {};
      expect(stream.key_properties).toEqual([]);
      expect(top['table-key-properties']).toEqual([]);
      expect(top['is-view']).toBe(true);
      expect(top['forced-replication-method']).toBe('FULL_TABLE');
      expect(stream.metadata?.[1].metadata.inclusion).toBe('available');
    }
    expect(catalog.streams[1].metadata?.[0].metadata).not.toHaveProperty('forced-replication-method');
  });

  test('partitioned and foreign tables are tables; a key with an unreadable column is no key', () => {
    const built = buildCatalog([
      relation('p', 'parent', 'p', [column('id', 1, type('integer', 'int4', 'integer'))], ['id']),
      relation('p', 'remote', 'f', [column('id', 1, type('integer', 'int4', 'integer'))]),
      relation('p', 'partial', 'r', [column('b', 2, type('string', 'text', 'text'))], ['a', 'b']),
    ], OPTIONS);
    expect(built.streams.map((s) => [s.tap_stream_id, s.key_properties, s.metadata?.[0].metadata['is-view']])).toEqual([
      ['p-parent', ['id'], false],
      ['p-partial', [], false],
      ['p-remote', [], false],
    ]);
  });

  test('json_as_object changes json columns only', () => {
    const rel = relation('s', 't', 'r', [column('j', 1, type('jsonb', 'jsonb', 'jsonb'))]);
    expect(buildCatalog([rel], OPTIONS).streams[0].schema.properties?.j).toEqual({ type: ['null', 'string'] });
    expect(buildCatalog([rel], { ...OPTIONS, jsonAsObject: true }).streams[0].schema.properties?.j).toEqual({ type: ['null', 'object', 'array', 'string', 'number', 'boolean'] });
  });

  test('the catalog validates against schemas/singer/catalog.schema.json', () => {
    const { catalog: validate } = contractValidators();
    const valid = validate(catalog);
    expect(contractErrors(validate)).toBe('');
    expect(valid).toBe(true);
  });
});
