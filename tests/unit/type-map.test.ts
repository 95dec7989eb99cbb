import Ajv from 'ajv';
import { arrayDefinition, columnSchema, tableSchema } from '../../lib/catalog/type-map';
import type { ColumnInfo, ColumnType, ValueKind } from '../../lib/pg/types';
import { contractErrors, contractValidators } from '../helpers/contract-schemas';

function type(kind: ValueKind, extra: Partial<ColumnType> = {}): ColumnType {
  return { kind, isArray: false, sqlType: kind, baseTypeName: kind, delimiter: ',', ...extra };
}

const TEXT = { jsonAsObject: false };
const OBJECTS = { jsonAsObject: true };

describe('columnSchema (nullable unless NOT NULL)', () => {
  const cases: Array<[string, ColumnType, boolean, typeof TEXT, Record<string, unknown>]> = [
    ['smallint', type('smallint'), false, TEXT, { type: ['null', 'integer'], minimum: -32768, maximum: 32767 }],
    ['integer', type('integer'), false, TEXT, { type: ['null', 'integer'], minimum: -2147483648, maximum: 2147483647 }],
    ['bigint (no bounds: JS numbers cannot hold them)', type('bigint'), false, TEXT, { type: ['null', 'integer'] }],
    ['bigint NOT NULL', type('bigint'), true, TEXT, { type: ['integer'] }],
    ['numeric', type('numeric'), false, TEXT, { type: ['null', 'number'] }],
    ['real', type('real'), false, TEXT, { type: ['null', 'number'] }],
    ['double', type('double'), true, TEXT, { type: ['number'] }],
    ['boolean', type('boolean'), false, TEXT, { type: ['null', 'boolean'] }],
    ['bit(1)', type('bit1'), false, TEXT, { type: ['null', 'boolean'] }],
    ['text', type('string'), false, TEXT, { type: ['null', 'string'] }],
    ['varchar(10)', type('string', { maxLength: 10 }), false, TEXT, { type: ['null', 'string'], maxLength: 10 }],
    ['char(3) NOT NULL', type('string', { maxLength: 3 }), true, TEXT, { type: ['string'], maxLength: 3 }],
    ['date', type('date'), false, TEXT, { type: ['null', 'string'], format: 'date' }],
    ['time', type('time'), false, TEXT, { type: ['null', 'string'], format: 'time' }],
    ['timetz', type('timetz'), false, TEXT, { type: ['null', 'string'], format: 'time' }],
    ['timestamp', type('timestamp'), false, TEXT, { type: ['null', 'string'], format: 'date-time' }],
    ['timestamptz NOT NULL', type('timestamptz'), true, TEXT, { type: ['string'], format: 'date-time' }],
    ['interval', type('interval'), false, TEXT, { type: ['null', 'string'] }],
    ['bytea', type('bytea'), false, TEXT, { type: ['null', 'string'] }],
    ['json as text', type('json'), false, TEXT, { type: ['null', 'string'] }],
    ['jsonb as text', type('jsonb'), false, TEXT, { type: ['null', 'string'] }],
    ['json as object', type('json'), false, OBJECTS, { type: ['null', 'object', 'array', 'string', 'number', 'boolean'] }],
    ['jsonb as object NOT NULL', type('jsonb'), true, OBJECTS, { type: ['null', 'object', 'array', 'string', 'number', 'boolean'] }],
    ['hstore', type('hstore'), false, TEXT, { type: ['null', 'object'], properties: {} }],
    ['integer[]', type('integer', { isArray: true }), false, TEXT,
      { type: ['null', 'array'], items: { $ref: '#/definitions/sdc_recursive_integer_array' } }],
    ['text[] NOT NULL', type('string', { isArray: true, maxLength: 5 }), true, TEXT,
      { type: ['array'], items: { $ref: '#/definitions/sdc_recursive_string_array' } }],
    ['timestamptz[]', type('timestamptz', { isArray: true }), false, TEXT,
      { type: ['null', 'array'], items: { $ref: '#/definitions/sdc_recursive_timestamp_array' } }],
    ['jsonb[] as object', type('jsonb', { isArray: true }), false, OBJECTS,
      { type: ['null', 'array'], items: { $ref: '#/definitions/sdc_recursive_json_array' } }],
  ];
  test.each(cases)('%s', (_name, columnType, notNull, options, expected) => {
    expect(columnSchema(columnType, notNull, options)).toEqual(expected);
  });
});

describe('arrayDefinition (recursive, singer-io convention)', () => {
  const cases: Array<[ValueKind, typeof TEXT, Record<string, unknown>]> = [
    ['smallint', TEXT, { type: ['null', 'integer', 'array'], items: { $ref: '#/definitions/sdc_recursive_integer_array' } }],
    ['numeric', TEXT, { type: ['null', 'number', 'array'], items: { $ref: '#/definitions/sdc_recursive_number_array' } }],
    ['bit1', TEXT, { type: ['null', 'boolean', 'array'], items: { $ref: '#/definitions/sdc_recursive_boolean_array' } }],
    ['timestamp', TEXT, { type: ['null', 'string', 'array'], format: 'date-time', items: { $ref: '#/definitions/sdc_recursive_timestamp_array' } }],
    ['date', TEXT, { type: ['null', 'string', 'array'], format: 'date', items: { $ref: '#/definitions/sdc_recursive_date_array' } }],
    ['timetz', TEXT, { type: ['null', 'string', 'array'], format: 'time', items: { $ref: '#/definitions/sdc_recursive_time_array' } }],
    ['json', TEXT, { type: ['null', 'string', 'array'], items: { $ref: '#/definitions/sdc_recursive_string_array' } }],
    ['jsonb', OBJECTS, { type: ['null', 'object', 'array', 'string', 'number', 'boolean'], items: { $ref: '#/definitions/sdc_recursive_json_array' } }],
    ['hstore', TEXT, { type: ['null', 'object', 'array'], items: { $ref: '#/definitions/sdc_recursive_object_array' } }],
    ['bytea', TEXT, { type: ['null', 'string', 'array'], items: { $ref: '#/definitions/sdc_recursive_string_array' } }],
  ];
  test.each(cases)('%s[]', (kind, options, expected) => {
    expect(arrayDefinition(type(kind, { isArray: true }), options)).toEqual(expected);
  });
});

describe('tableSchema', () => {
  const ALL_KINDS: ValueKind[] = [
    'smallint', 'integer', 'bigint', 'numeric', 'real', 'double', 'boolean', 'bit1', 'string', 'date', 'time',
    'timetz', 'timestamp', 'timestamptz', 'interval', 'json', 'jsonb', 'hstore', 'bytea',
  ];
  function column(name: string, columnType: ColumnType, notNull = false): ColumnInfo {
    return { name, position: 1, type: columnType, notNull, supported: true };
  }

  test('only the definitions the columns use; none without arrays', () => {
    const plain = tableSchema([column('a', type('integer'))], TEXT);
    expect(plain).toEqual({ type: 'object', properties: { a: { type: ['null', 'integer'], minimum: -2147483648, maximum: 2147483647 } } });
    const arrays = tableSchema([column('a', type('integer', { isArray: true })), column('b', type('bigint', { isArray: true }))], TEXT);
    expect(Object.keys(arrays.definitions as object)).toEqual(['sdc_recursive_integer_array']);
  });

  test('columns of one type share one frozen schema; another nullability or length gets its own', () => {
    const a = tableSchema([column('a', type('string', { maxLength: 8 })), column('b', type('integer', { isArray: true }))], TEXT);
    const b = tableSchema([column('c', type('string', { maxLength: 8 })), column('d', type('integer', { isArray: true }))], TEXT);
    const props = (s: Record<string, unknown>) => s.properties as Record<string, Record<string, unknown>>;
    expect(props(a).a).toBe(props(b).c);
    expect(props(a).b).toBe(props(b).d);
    expect((a.definitions as Record<string, unknown>).sdc_recursive_integer_array).toBe((b.definitions as Record<string, unknown>).sdc_recursive_integer_array);
    expect(Object.isFrozen(props(a).a)).toBe(true);
    expect(Object.isFrozen(props(a).a.type)).toBe(true);
    expect(() => (props(a).a.type as string[]).push('number')).toThrow(TypeError);
    expect(columnSchema(type('string', { maxLength: 8 }), true, TEXT)).toEqual({ type: ['string'], maxLength: 8 });
    expect(columnSchema(type('string', { maxLength: 9 }), false, TEXT)).toEqual({ type: ['null', 'string'], maxLength: 9 });
    expect(columnSchema(type('integer', { isArray: true }), false, OBJECTS)).toEqual(props(a).b);
    // a schema's own objects are its own: mapping one stream's properties leaves the others alone
    expect(a.properties).not.toBe(b.properties);
    expect(Object.isFrozen(a)).toBe(false);
  });

  test('a column named __proto__ is an ordinary property', () => {
    const schema = tableSchema([column('__proto__', type('string'))], TEXT);
    expect(Object.keys(schema.properties as object)).toEqual(['__proto__']);
    expect(JSON.parse(JSON.stringify(schema)).properties.__proto__).toEqual({ type: ['null', 'string'] });
  });

  test.each([TEXT, OBJECTS])('every kind, scalar and array, validates against schemas/singer/catalog.schema.json (%j)', (options) => {
    const columns: ColumnInfo[] = [];
    for (const kind of ALL_KINDS) {
      columns.push(column(kind, type(kind, kind === 'string' ? { maxLength: 4 } : {})));
      columns.push(column(`${kind}_not_null`, type(kind), true));
      columns.push(column(`${kind}_array`, type(kind, { isArray: true })));
    }
    const { streamSchema: validate } = contractValidators();
    const valid = validate(tableSchema(columns, options));
    expect(contractErrors(validate)).toBe('');
    expect(valid).toBe(true);
    // and the recursive definitions accept nested arrays with NULLs as JSON Schema
    const data = new Ajv({ strict: false, validateFormats: false }).compile(tableSchema(columns, options));
    expect(data({ integer_array: [[1, null], [2]], string_array: [['a'], null], timestamp_array: [['2024-01-01T00:00:00Z']] })).toBe(true);
    expect(data({ integer_array: [['x']] })).toBe(false);
  });

  test('a schema with a fractional bound or multipleOf is rejected by the stream schema contract (the validator bites)', () => {
    const { streamSchema: validate } = contractValidators();
    expect(validate({ type: 'object', properties: { n: { type: ['number'], multipleOf: 0.01 } } })).toBe(false);
    expect(validate({ type: 'object', properties: { n: { type: ['number'], minimum: 0.5 } } })).toBe(false);
    expect(validate({ type: 'object', properties: { n: { type: ['number'], minimum: 0 } } })).toBe(true);
  });
});
