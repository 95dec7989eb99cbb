/** The output contract in schemas/singer accepts what the tap writes and rejects broken messages. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { activateVersionMessage, recordLine, recordPrefix, schemaMessage, stateMessage } from '../../lib/messages/serialize';
import { contractErrors, contractValidators, SINGER_SCHEMAS } from '../helpers/contract-schemas';

const STREAM_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: ['integer'], minimum: -2147483648, maximum: 2147483647 },
    tags: { type: ['null', 'array'], items: { $ref: '#/definitions/sdc_recursive_string_array' } },
  },
  definitions: { sdc_recursive_string_array: { type: ['null', 'string', 'array'], items: { $ref: '#/definitions/sdc_recursive_string_array' } } },
};

const GOOD_LINES = [
  schemaMessage('public-t', STREAM_SCHEMA, ['id'], []),
  recordLine(recordPrefix('public-t'), '{"id":1,"tags":[["a"],null]}', 1700000000000, new Date(0).toISOString()),
  stateMessage({ currently_syncing: 'public-t', bookmarks: { 'public-t': { last_replication_method: 'FULL_TABLE', version: 1, ctid_page: 0, relfilenode: 16384 } } }),
  activateVersionMessage('public-t', 1700000000000),
];

function catalog(): any {
  return {
    streams: [
      {
        tap_stream_id: 'public-t',
        stream: 'public-t',
        table_name: 't',
        schema: STREAM_SCHEMA,
        metadata: [
          {
            breadcrumb: [],
            metadata: { 'schema-name': 'public', 'database-name': 'db', 'table-key-properties': ['id'], 'is-view': false, 'row-count': 0, 'valid-replication-keys': ['id'] },
          },
          { breadcrumb: ['properties', 'id'], metadata: { 'sql-datatype': 'integer', inclusion: 'automatic', 'selected-by-default': true } },
          { breadcrumb: ['properties', 'tags'], metadata: { 'sql-datatype': 'text[]', inclusion: 'available', 'selected-by-default': true } },
        ],
        key_properties: ['id'],
      },
    ],
  };
}

describe('schemas/singer', () => {
  test('every file is draft-07, compiles in ajv strict mode and has the $id of its file name', () => {
    const files = readdirSync(SINGER_SCHEMAS).filter((name) => name.endsWith('.schema.json'));
    expect(files.length).toBeGreaterThanOrEqual(8);
    const { ajv } = contractValidators();
    for (const file of files) {
      const schema = JSON.parse(readFileSync(join(SINGER_SCHEMAS, file), 'utf8')) as { $schema: string; $id: string };
      expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
      expect(schema.$id.endsWith(`/singer/${file}`)).toBe(true);
      expect(typeof ajv.getSchema(schema.$id)).toBe('function');
    }
  });

  test('the serialisers\' lines are valid messages', () => {
    const { message } = contractValidators();
    for (const line of GOOD_LINES) {
      const valid = message(JSON.parse(line));
      expect(contractErrors(message)).toBe('');
      expect(valid).toBe(true);
    }
  });

  const record = JSON.parse(GOOD_LINES[1]);
  const state = JSON.parse(GOOD_LINES[2]);
  const bookmark = state.value.bookmarks['public-t'];
  const without = (object: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(object).filter(([k]) => k !== key));
  const broken: Array<[string, unknown]> = [
    ['a RECORD without stream', without(record, 'stream')],
    ['a RECORD without record', without(record, 'record')],
    ['a RECORD whose record is an array', { ...record, record: [1] }],
    ['a RECORD without time_extracted', without(record, 'time_extracted')],
    ['a RECORD with a local time_extracted', { ...record, time_extracted: '2024-01-01T00:00:00+01:00' }],
    ['a RECORD with a field the spec does not have', { ...record, extra: 1 }],
    ['a STATE without value', { type: 'STATE' }],
    ['a STATE without bookmarks', { type: 'STATE', value: { currently_syncing: null } }],
    ['a STATE with a fractional version', { type: 'STATE', value: { ...state.value, bookmarks: { 'public-t': { ...bookmark, version: 1.5 } } } }],
    ['a STATE with a resume page but no relfilenode', { type: 'STATE', value: { ...state.value, bookmarks: { 'public-t': without(bookmark, 'relfilenode') } } }],
    ['a STATE with an unknown method', { type: 'STATE', value: { ...state.value, bookmarks: { 'public-t': { ...bookmark, last_replication_method: 'XMIN' } } } }],
    ['a SCHEMA without key_properties', without(JSON.parse(GOOD_LINES[0]), 'key_properties')],
    ['a SCHEMA whose column has multipleOf', { ...JSON.parse(GOOD_LINES[0]), schema: { type: 'object', properties: { n: { type: ['number'], multipleOf: 0.01 } } } }],
    ['an ACTIVATE_VERSION without version', { type: 'ACTIVATE_VERSION', stream: 'public-t' }],
    ['an unknown message type', { type: 'BATCH', stream: 'public-t' }],
  ];
  test.each(broken)('rejects %s', (_name, value) => {
    expect(contractValidators().message(value)).toBe(false);
  });
});

describe('schemas/singer/catalog.schema.json', () => {
  test('accepts a catalog with the user\'s choices added', () => {
    const { catalog: validate } = contractValidators();
    const edited = catalog();
    Object.assign(edited.streams[0].metadata[0].metadata, { selected: true, 'replication-method': 'INCREMENTAL', 'replication-key': 'id' });
    edited.streams[0].metadata[2].metadata.selected = false;
    const valid = validate(edited);
    expect(contractErrors(validate)).toBe('');
    expect(valid).toBe(true);
  });

  const cases: Array<[string, (c: any) => void]> = [
    ['metadata without breadcrumb', (c) => delete c.streams[0].metadata[1].breadcrumb],
    ['a column breadcrumb without the column', (c) => (c.streams[0].metadata[1].breadcrumb = ['properties'])],
    ['a breadcrumb that is not under properties', (c) => (c.streams[0].metadata[1].breadcrumb = ['columns', 'id'])],
    ['a breadcrumb that is a string', (c) => (c.streams[0].metadata[0].breadcrumb = '')],
    ['no stream entry (breadcrumb [])', (c) => c.streams[0].metadata.shift()],
    ['a stream entry without schema-name', (c) => delete c.streams[0].metadata[0].metadata['schema-name']],
    ['an unknown replication-method', (c) => (c.streams[0].metadata[0].metadata['replication-method'] = 'XMIN')],
    ['an unknown inclusion', (c) => (c.streams[0].metadata[1].metadata.inclusion = 'maybe')],
    ['a column entry without sql-datatype', (c) => delete c.streams[0].metadata[1].metadata['sql-datatype']],
    ['a stream without tap_stream_id', (c) => delete c.streams[0].tap_stream_id],
    ['a stream whose schema has no properties', (c) => delete c.streams[0].schema.properties],
  ];
  test.each(cases)('rejects %s', (_name, breakIt) => {
    const broken = catalog();
    broken.streams[0].schema = JSON.parse(JSON.stringify(broken.streams[0].schema));
    breakIt(broken);
    expect(contractValidators().catalog(broken)).toBe(false);
  });
});
