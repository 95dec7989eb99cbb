import { airbyteStream } from '../../lib/airbyte/catalog';
import { parseConfiguredCatalog, readSelection } from '../../lib/airbyte/configured-catalog';
import { columnSchema } from '../../lib/airbyte/json-schema';
import { AIRBYTE_CHANGE_COLUMNS } from '../../lib/airbyte/writer';
import type { ColumnInfo, ColumnType, RelationInfo, ValueKind } from '../../lib/pg/types';
import { changeEncoder } from '../../lib/sync/logical/change-encoder';

const type = (kind: ValueKind, isArray = false, baseTypeName: string = kind): ColumnType => ({ kind, isArray, sqlType: kind, baseTypeName, delimiter: ',' });
const column = (name: string, kind: ValueKind, position: number, notNull = false, baseTypeName?: string): ColumnInfo => ({
  name, position, type: type(kind, false, baseTypeName), notNull, supported: true,
});

const orders: RelationInfo = {
  oid: 1, schema: 'sales', name: 'orders', kind: 'r', rowEstimate: 10, primaryKey: ['id'],
  columns: [column('id', 'bigint', 1, true), column('note', 'jsonb', 2), column('modified_at', 'timestamp', 3)],
};
const view: RelationInfo = { oid: 2, schema: 'sales', name: 'recent', kind: 'v', rowEstimate: 0, primaryKey: [], columns: [column('doc', 'json', 1)] };
const standard = { cdc: false, published: new Set<string>(), serverVersionNum: 150000 };

describe('json_schema', () => {
  test.each([
    ['smallint', { type: 'number', airbyte_type: 'integer' }],
    ['numeric', { type: 'number' }],
    ['bit1', { type: 'boolean' }],
    ['date', { type: 'string', format: 'date' }],
    ['timetz', { type: 'string', format: 'time', airbyte_type: 'time_with_timezone' }],
    ['timestamp', { type: 'string', format: 'date-time', airbyte_type: 'timestamp_with_timezone' }],
    ['hstore', { type: 'object' }],
    ['interval', { type: 'string' }],
  ] as Array<[ValueKind, Record<string, unknown>]>)('%s', (kind, schema) => {
    expect(columnSchema(type(kind), true)).toEqual(schema);
    expect(columnSchema(type(kind), false)).toEqual({ ...schema, type: ['null', schema.type] });
  });

  test('arrays of any element', () => {
    expect(columnSchema(type('integer', true), false)).toEqual({ type: ['null', 'array'], items: { type: ['null', 'number'], airbyte_type: 'integer' } });
  });
});

describe('airbyteStream', () => {
  test('Standard: incremental with a cursor column; an updated_at-like default cursor; resumable table', () => {
    expect(airbyteStream(orders, standard)).toMatchObject({
      name: 'orders', namespace: 'sales', supported_sync_modes: ['full_refresh', 'incremental'], source_defined_cursor: false,
      default_cursor_field: ['modified_at'], source_defined_primary_key: [['id']], is_resumable: true,
    });
    expect(airbyteStream(view, standard)).toMatchObject({ supported_sync_modes: ['full_refresh'], default_cursor_field: [], is_resumable: false });
    expect(airbyteStream(orders, { ...standard, serverVersionNum: 130000 }).is_resumable).toBe(true); // incremental
  });

  test('CDC: incremental only when published and keyed; the change columns', () => {
    const cdc = { cdc: true, published: new Set(['sales\u0000orders']), serverVersionNum: 150000 };
    const stream = airbyteStream(orders, cdc);
    expect(stream).toMatchObject({ supported_sync_modes: ['full_refresh', 'incremental'], source_defined_cursor: true, default_cursor_field: ['_ab_cdc_lsn'] });
    expect(Object.keys((stream.json_schema as any).properties)).toEqual(['id', 'note', 'modified_at', '_ab_cdc_lsn', '_ab_cdc_updated_at', '_ab_cdc_deleted_at']);
    expect(airbyteStream(orders, { ...cdc, published: new Set() })).toMatchObject({ supported_sync_modes: ['full_refresh'], source_defined_cursor: false });
  });
});

describe('readSelection', () => {
  const configured = (entries: unknown[]) => parseConfiguredCatalog({ streams: entries });
  const entry = (relation: RelationInfo, extra: Record<string, unknown> = {}) => ({
    stream: airbyteStream(relation, standard), sync_mode: 'full_refresh', destination_sync_mode: 'append', ...extra,
  });
  const root = (selection: ReturnType<typeof readSelection>, i = 0) => selection.catalog.streams[i].metadata?.find((m) => m.breadcrumb.length === 0)?.metadata;

  test('sync modes become methods; the configured json_schema selects the columns', () => {
    const narrowed = entry(orders, { sync_mode: 'incremental', cursor_field: ['modified_at'] });
    (narrowed.stream.json_schema as any).properties = { modified_at: {} };
    const selection = readSelection(configured([narrowed, entry(view)]), [orders, view], { cdc: false, databaseName: 'db' });
    expect(root(selection)).toMatchObject({ selected: true, 'replication-method': 'INCREMENTAL', 'replication-key': 'modified_at' });
    expect(root(selection, 1)).toMatchObject({ selected: true, 'replication-method': 'FULL_TABLE' });
    const columns = selection.catalog.streams[0].metadata?.filter((m) => m.breadcrumb.length === 2).map((m) => [m.breadcrumb[1], m.metadata.selected]);
    expect(columns).toEqual([['id', undefined], ['note', false], ['modified_at', undefined]]);
    expect([...selection.streams]).toEqual([['sales-orders', { name: 'orders', namespace: 'sales' }], ['sales-recent', { name: 'recent', namespace: 'sales' }]]);
  });

  test('the default cursor when none is configured; CDC incremental is LOG_BASED', () => {
    expect(root(readSelection(configured([entry(orders, { sync_mode: 'incremental' })]), [orders], { cdc: false, databaseName: 'db' }))).toMatchObject({ 'replication-key': 'modified_at' });
    const cdc = readSelection(configured([entry(orders, { sync_mode: 'incremental', cursor_field: ['_ab_cdc_lsn'] })]), [orders], { cdc: true, databaseName: 'db' });
    expect(root(cdc)).toMatchObject({ 'replication-method': 'LOG_BASED' });
    expect([...cdc.logical]).toEqual(['sales-orders']);
  });

  test.each([
    [[{ stream: { name: 'x' }, sync_mode: 'full_refresh', destination_sync_mode: 'merge' }], /destination_sync_mode must be one of/],
    [[{ stream: {}, sync_mode: 'full_refresh', destination_sync_mode: 'append' }], /\/streams\/0\/stream\/name must be a non-empty string/],
  ])('malformed configured catalog: %j', (streams, message) => {
    expect(() => parseConfiguredCatalog({ streams })).toThrow(message);
  });

  test('problems against the live relations name the stream', () => {
    const select = (entries: unknown[], cdc = false) => () => readSelection(configured(entries), [orders, view], { cdc, databaseName: 'db' });
    expect(select([entry(orders, { sync_mode: 'incremental', cursor_field: ['a', 'b'] })])).toThrow(/stream sales\.orders: cursor_field must be a one-field path like \["column"\]/);
    expect(select([entry(view, { sync_mode: 'incremental' })], true)).toThrow(/stream sales\.recent: incremental in CDC mode needs a table/);
    expect(select([entry(orders), entry(orders)])).toThrow(/stream sales\.orders appears twice/);
    expect(select([{ ...entry(orders), stream: { name: 'orders' } }])).toThrow(/stream orders has no namespace/);
  });
});

test('the change encoder writes the Airbyte change columns, with the commit time on every change', () => {
  const relation = { tag: 'Relation' as const, relationId: 1, namespace: 's', name: 't', replicaIdentity: 'd', columns: [{ isKey: true, name: 'id', typeOid: 23, typeModifier: -1 }] };
  const encoder = changeEncoder(relation, new Map([['id', column('id', 'integer', 1)]]), false, () => undefined, [], AIRBYTE_CHANGE_COLUMNS);
  const at = '2024-01-01T00:00:00.000001+00:00';
  expect(encoder.wantsCommitTime).toBe(true);
  expect(encoder.upsert(['1'], undefined, 9, at)).toBe(`{"id":1,"_ab_cdc_lsn":9,"_ab_cdc_deleted_at":null,"_ab_cdc_updated_at":"${at}"}`);
  expect(encoder.delete(['1'], false, 10, at)).toBe(`{"id":1,"_ab_cdc_lsn":10,"_ab_cdc_deleted_at":"${at}","_ab_cdc_updated_at":"${at}"}`);
});
