/** Discovery against the real fixture database (tests/fixtures/01-fixture.sql). */
import type { Sql } from 'postgres';
import type { CatalogStream, SingerCatalog } from '../../lib/catalog/types';
import { loadConfig } from '../../lib/config/load-config';
import { connect } from '../../lib/db/connect';
import { discoverCatalog } from '../../lib/discovery/discover';
import { introspect } from '../../lib/discovery/introspect';
import { createLogger } from '../../lib/log/logger';
import { contractErrors, contractValidators } from '../helpers/contract-schemas';
import { serverVersionNum, testConfig } from '../helpers/db';
import { runTap } from '../helpers/run-tap';

function expectValid(catalog: unknown): void {
  const { catalog: validate } = contractValidators();
  const valid = validate(catalog);
  expect(contractErrors(validate)).toBe('');
  expect(valid).toBe(true);
}

const FIXTURE_STREAMS = [
  'tap_fixture-Mixed Case ünï',
  'tap_fixture-all_types',
  'tap_fixture-all_types_mv',
  'tap_fixture-all_types_view',
  'tap_fixture-events',
  'tap_fixture-events_2023',
  'tap_fixture-events_2024',
  'tap_fixture-no_pk',
  'tap_fixture-partial_cols',
  'tap_fixture-remote_items',
  'tap_fixture-secret_table',
  'tap_fixture-select',
];

function stream(catalog: SingerCatalog, id: string): CatalogStream {
  const found = catalog.streams.find((s) => s.tap_stream_id === id);
  if (!found) throw new Error(`stream ${id} not in catalog`);
  return found;
}

function top(s: CatalogStream): Record<string, unknown> {
  return s.metadata?.find((m) => m.breadcrumb.length === 0)?.metadata ?? {};
}

function columnMeta(s: CatalogStream, column: string): Record<string, unknown> {
  const entry = s.metadata?.find((m) => m.breadcrumb[0] === 'properties' && m.breadcrumb[1] === column);
  if (!entry) throw new Error(`no metadata for ${column}`);
  return entry.metadata;
}

function open(overrides: Record<string, unknown> = {}): { sql: Sql<any>; warnings: string[]; discover: (extra?: Record<string, unknown>) => Promise<SingerCatalog> } {
  const config = loadConfig([testConfig(overrides)], {});
  const sql = connect(config, { max: 1 });
  const warnings: string[] = [];
  const log = createLogger({ level: 'warn', sink: (line) => warnings.push(line) });
  return { sql, warnings, discover: (extra = {}) => discoverCatalog(sql, { ...config, ...extra }, log) };
}

describe('discovery as the superuser', () => {
  const db = open();
  let catalog: SingerCatalog;
  beforeAll(async () => {
    catalog = await db.discover({ filter_schemas: ['tap_fixture'] });
  });
  afterAll(() => db.sql.end());

  test('every fixture relation is a stream, sorted, and the catalog validates', () => {
    expect(catalog.streams.map((s) => s.tap_stream_id)).toEqual(FIXTURE_STREAMS);
    for (const s of catalog.streams) expect(s.stream).toBe(s.tap_stream_id);
    expectValid(catalog);
    expect(db.warnings).toEqual([]);
  });

  test('all_types: every column, in attnum order, with its JSON Schema and sql-datatype', async () => {
    const s = stream(catalog, 'tap_fixture-all_types');
    const [{ names }] = await db.sql`
      SELECT json_agg(attname::text ORDER BY attnum)::text AS names FROM pg_attribute
       WHERE attrelid = 'tap_fixture.all_types'::regclass AND attnum > 0 AND NOT attisdropped`;
    expect(Object.keys(s.schema.properties ?? {})).toEqual(JSON.parse(names));
    expect(s.metadata?.slice(1).map((m) => m.breadcrumb[1])).toEqual(JSON.parse(names));
    const expected: Record<string, [string, Record<string, unknown>]> = {
      id: ['bigint', { type: ['integer'] }],
      c_smallint: ['smallint', { type: ['null', 'integer'], minimum: -32768, maximum: 32767 }],
      c_integer: ['integer', { type: ['null', 'integer'], minimum: -2147483648, maximum: 2147483647 }],
      c_bigint: ['bigint', { type: ['null', 'integer'] }],
      c_numeric_12_3: ['numeric', { type: ['null', 'number'] }],
      c_real: ['real', { type: ['null', 'number'] }],
      c_double: ['double precision', { type: ['null', 'number'] }],
      c_boolean: ['boolean', { type: ['null', 'boolean'] }],
      c_bit1: ['bit', { type: ['null', 'boolean'] }],
      c_bit5: ['bit(5)', { type: ['null', 'string'] }],
      c_varbit: ['bit varying', { type: ['null', 'string'] }],
      c_char3: ['character', { type: ['null', 'string'], maxLength: 3 }],
      c_varchar10: ['character varying', { type: ['null', 'string'], maxLength: 10 }],
      c_citext: ['tap_fixture.citext', { type: ['null', 'string'] }],
      c_money: ['money', { type: ['null', 'string'] }],
      c_date: ['date', { type: ['null', 'string'], format: 'date' }],
      c_time: ['time without time zone', { type: ['null', 'string'], format: 'time' }],
      c_timetz: ['time with time zone', { type: ['null', 'string'], format: 'time' }],
      c_timestamp: ['timestamp without time zone', { type: ['null', 'string'], format: 'date-time' }],
      c_timestamptz: ['timestamp with time zone', { type: ['null', 'string'], format: 'date-time' }],
      c_interval: ['interval', { type: ['null', 'string'] }],
      c_json: ['json', { type: ['null', 'string'] }],
      c_jsonb: ['jsonb', { type: ['null', 'string'] }],
      c_hstore: ['hstore', { type: ['null', 'object'], properties: {} }],
      c_bytea: ['bytea', { type: ['null', 'string'] }],
      c_xml: ['xml', { type: ['null', 'string'] }],
      c_tstzrange: ['tstzrange', { type: ['null', 'string'] }],
      // Multiranges are new in PostgreSQL 14 (tests/fixtures/02-fixture-pg14.sql).
      ...(serverVersionNum() >= 140000 ? { c_int4multirange: ['int4multirange', { type: ['null', 'string'] }] } : {}),
      c_polygon: ['polygon', { type: ['null', 'string'] }],
      c_tsvector: ['tsvector', { type: ['null', 'string'] }],
      c_pg_lsn: ['pg_lsn', { type: ['null', 'string'] }],
      c_composite: ['tap_fixture.address', { type: ['null', 'string'] }],
      c_enum: ['tap_fixture.mood', { type: ['null', 'string'] }],
      c_domain: ['tap_fixture.positive_int', { type: ['null', 'integer'], minimum: -2147483648, maximum: 2147483647 }],
      c_domain_nested: ['tap_fixture.small_positive', { type: ['null', 'integer'], minimum: -2147483648, maximum: 2147483647 }],
      c_domain_varchar: ['tap_fixture.short_code', { type: ['null', 'string'], maxLength: 8 }],
      c_not_null_text: ['text', { type: ['string'] }],
    };
    for (const [name, [sqlDatatype, schema]] of Object.entries(expected)) {
      expect([name, s.schema.properties?.[name]]).toEqual([name, schema]);
      const inclusion = name === 'id' ? 'automatic' : 'available';
      expect([name, columnMeta(s, name)]).toEqual([name, { 'sql-datatype': sqlDatatype, inclusion, 'selected-by-default': true }]);
    }
  });

  test('all_types: arrays of every kind (1-D, 2-D, of domains, domain over array) use recursive definitions', () => {
    const s = stream(catalog, 'tap_fixture-all_types');
    const arrays: Record<string, [string, string]> = {
      a_smallint: ['smallint[]', 'integer'],
      a_bigint: ['bigint[]', 'integer'],
      a_numeric: ['numeric[]', 'number'],
      a_double: ['double precision[]', 'number'],
      a_boolean: ['boolean[]', 'boolean'],
      a_text: ['text[]', 'string'],
      a_date: ['date[]', 'date'],
      a_timetz: ['time with time zone[]', 'time'],
      a_timestamptz: ['timestamp with time zone[]', 'timestamp'],
      a_jsonb: ['jsonb[]', 'string'],
      a_hstore: ['hstore[]', 'object'],
      a_bytea: ['bytea[]', 'string'],
      a_box: ['box[]', 'string'],
      a_enum: ['tap_fixture.mood[]', 'string'],
      a_domain: ['tap_fixture.positive_int[]', 'integer'],
      a_domain_list: ['tap_fixture.int_list', 'integer'],
      a_int_2d: ['integer[]', 'integer'],
      a_text_2d: ['text[]', 'string'],
    };
    for (const [name, [sqlDatatype, element]] of Object.entries(arrays)) {
      const ref = `#/definitions/sdc_recursive_${element}_array`;
      expect([name, s.schema.properties?.[name]]).toEqual([name, { type: ['null', 'array'], items: { $ref: ref } }]);
      expect([name, columnMeta(s, name)['sql-datatype']]).toEqual([name, sqlDatatype]);
    }
    expect(Object.keys(s.schema.definitions as object).sort()).toEqual(
      ['boolean', 'date', 'integer', 'number', 'object', 'string', 'time', 'timestamp'].map((n) => `sdc_recursive_${n}_array`),
    );
  });

  test('all_types: stream metadata and replication keys', () => {
    const meta = top(stream(catalog, 'tap_fixture-all_types'));
    expect(meta).toMatchObject({
      'schema-name': 'tap_fixture',
      'database-name': 'tap_test',
      'table-key-properties': ['id'],
      'is-view': false,
      'row-count': 5,
    });
    expect(meta).not.toHaveProperty('forced-replication-method');
    expect(meta['valid-replication-keys']).toEqual([
      'id', 'c_smallint', 'c_integer', 'c_bigint', 'c_numeric', 'c_numeric_12_3', 'c_real', 'c_double', 'c_char3',
      'c_varchar10', 'c_text', 'c_citext', 'c_uuid', 'c_date', 'c_time', 'c_timestamp', 'c_timestamptz', 'c_domain',
      'c_domain_nested', 'c_domain_varchar', 'c_not_null_text',
    ]);
  });

  test('views, the materialized view, the partitioned parent, its partitions and the foreign table', () => {
    for (const id of ['tap_fixture-all_types_view', 'tap_fixture-all_types_mv']) {
      const s = stream(catalog, id);
      expect(s.key_properties).toEqual([]);
      expect(top(s)).toMatchObject({ 'is-view': true, 'table-key-properties': [], 'forced-replication-method': 'FULL_TABLE' });
    }
    expect(Object.keys(stream(catalog, 'tap_fixture-all_types_view').schema.properties ?? {})).toEqual(['id', 'c_integer', 'c_text', 'c_timestamptz', 'a_text']);
    for (const id of ['tap_fixture-events', 'tap_fixture-events_2023', 'tap_fixture-events_2024']) {
      const s = stream(catalog, id);
      expect([id, s.key_properties, top(s)['is-view']]).toEqual([id, ['created_at', 'id'], false]);
      expect(s.schema.properties?.created_at).toEqual({ type: ['string'], format: 'date' });
    }
    expect(top(stream(catalog, 'tap_fixture-events_2023'))['row-count']).toBe(2);
    expect(stream(catalog, 'tap_fixture-remote_items').schema.properties).toEqual({
      id: { type: ['null', 'integer'], minimum: -2147483648, maximum: 2147483647 },
      name: { type: ['null', 'string'] },
    });
    expect(stream(catalog, 'tap_fixture-no_pk').key_properties).toEqual([]);
  });

  test('odd identifiers stay intact', () => {
    const select = stream(catalog, 'tap_fixture-select');
    expect(select.table_name).toBe('select');
    expect(Object.keys(select.schema.properties ?? {})).toEqual(['id', 'Order', 'my col', 'quo"te', 'ünï']);
    const mixed = stream(catalog, 'tap_fixture-Mixed Case ünï');
    expect(mixed.table_name).toBe('Mixed Case ünï');
    expect(mixed.key_properties).toEqual(['ID']);
    expect(columnMeta(mixed, 'ID').inclusion).toBe('automatic');
  });

  test('json_as_object maps json columns to objects', async () => {
    const objects = await db.discover({ filter_schemas: ['tap_fixture'], json_as_object: true });
    const s = stream(objects, 'tap_fixture-all_types');
    expect(s.schema.properties?.c_jsonb).toEqual({ type: ['null', 'object', 'array', 'string', 'number', 'boolean'] });
    expect(s.schema.properties?.a_json).toEqual({ type: ['null', 'array'], items: { $ref: '#/definitions/sdc_recursive_json_array' } });
    expectValid(objects);
  });

  test('filter_schemas restricts the schemas; without it every readable schema is discovered', async () => {
    const hidden = await introspect(db.sql, { filter_schemas: ['tap_private'] });
    expect(hidden.map((r) => `${r.schema}.${r.name}`)).toEqual(['tap_private.hidden_table']);
    const all = await introspect(db.sql, {});
    const schemas = new Set(all.map((r) => r.schema));
    expect(schemas.has('tap_fixture') && schemas.has('tap_private')).toBe(true);
    expect([...schemas].filter((name) => /^(pg_catalog|information_schema|pg_toast)/.test(name))).toEqual([]);
  });
});

describe('discovery as the read-only role tap_reader', () => {
  const db = open({ user: 'tap_reader', password: undefined });
  afterAll(() => db.sql.end());

  test('sees exactly the granted relations and columns', async () => {
    const catalog = await db.discover({ filter_schemas: undefined });
    expectValid(catalog);
    const ids = catalog.streams.map((s) => s.tap_stream_id);
    expect(ids.filter((id) => id.startsWith('tap_fixture-'))).toEqual(FIXTURE_STREAMS.filter((id) => id !== 'tap_fixture-secret_table'));
    expect(ids.filter((id) => id.startsWith('tap_private-'))).toEqual([]);
    const partial = stream(catalog, 'tap_fixture-partial_cols');
    expect(Object.keys(partial.schema.properties ?? {})).toEqual(['id', 'visible']);
    expect(partial.metadata?.map((m) => m.breadcrumb)).toEqual([[], ['properties', 'id'], ['properties', 'visible']]);
    expect(top(partial)['valid-replication-keys']).toEqual(['id', 'visible']);
    expect(Object.keys(stream(catalog, 'tap_fixture-all_types').schema.properties ?? {})).toHaveLength(serverVersionNum() >= 140000 ? 79 : 78);
  });
});

describe('tap-postgres-ts --discover (end to end)', () => {
  test('exit 0, one JSON line on stdout that validates', async () => {
    const run = await runTap(['--discover'], { config: testConfig({ filter_schemas: ['tap_fixture'] }) });
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    expect(run.stdout.endsWith('\n')).toBe(true);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(run.messages[0].streams.map((s: CatalogStream) => s.tap_stream_id)).toEqual(FIXTURE_STREAMS);
    expectValid(run.messages[0]);
  });
});
