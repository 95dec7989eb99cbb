import { classifyColumn, isCursorCapable, type RawColumnType } from '../../lib/pg/classify-column';
import type { ColumnType, ValueKind } from '../../lib/pg/types';

function raw(typeName: string, overrides: Partial<RawColumnType> = {}): RawColumnType {
  return {
    sqlType: typeName,
    sqlDatatype: typeName,
    typeName,
    typeSchema: 'pg_catalog',
    typtype: 'b',
    typmod: -1,
    isArray: false,
    delimiter: ',',
    ...overrides,
  };
}

describe('classifyColumn', () => {
  const kinds: Array<[string, Partial<RawColumnType>, ValueKind]> = [
    ['int2', {}, 'smallint'],
    ['int4', {}, 'integer'],
    ['int8', {}, 'bigint'],
    ['numeric', { typmod: 786439 }, 'numeric'],
    ['float4', {}, 'real'],
    ['float8', {}, 'double'],
    ['bool', {}, 'boolean'],
    ['bit', { typmod: 1 }, 'bit1'],
    ['bit', { typmod: 5 }, 'string'],
    ['varbit', {}, 'string'],
    ['bpchar', { typmod: 7 }, 'string'],
    ['varchar', { typmod: 14 }, 'string'],
    ['text', {}, 'string'],
    ['name', {}, 'string'],
    ['uuid', {}, 'string'],
    ['inet', {}, 'string'],
    ['cidr', {}, 'string'],
    ['macaddr', {}, 'string'],
    ['macaddr8', {}, 'string'],
    ['money', {}, 'string'],
    ['xml', {}, 'string'],
    ['int4range', { typtype: 'r' }, 'string'],
    ['int4multirange', { typtype: 'm' }, 'string'],
    ['point', {}, 'string'],
    ['box', { delimiter: ';' }, 'string'],
    ['tsvector', {}, 'string'],
    ['tsquery', {}, 'string'],
    ['pg_lsn', {}, 'string'],
    ['oid', {}, 'string'],
    ['date', {}, 'date'],
    ['time', {}, 'time'],
    ['timetz', {}, 'timetz'],
    ['timestamp', {}, 'timestamp'],
    ['timestamptz', {}, 'timestamptz'],
    ['interval', {}, 'interval'],
    ['json', {}, 'json'],
    ['jsonb', {}, 'jsonb'],
    ['bytea', {}, 'bytea'],
    ['hstore', { typeSchema: 'public' }, 'hstore'],
    ['hstore', { typeSchema: 'extensions' }, 'hstore'],
    ['citext', { typeSchema: 'my_ext' }, 'string'],
    ['mood', { typeSchema: 'app', typtype: 'e' }, 'string'],
    ['address', { typeSchema: 'app', typtype: 'c' }, 'string'],
    // a user type that merely shares a built-in's name is not the built-in
    ['int4', { typeSchema: 'app', typtype: 'e' }, 'string'],
  ];
  test.each(kinds)('%s %j → %s', (typeName, overrides, kind) => {
    const { type, supported } = classifyColumn(raw(typeName, overrides));
    expect(type.kind).toBe(kind);
    expect(supported).toBe(true);
  });

  test('varchar(n) and char(n) carry their length; text does not', () => {
    expect(classifyColumn(raw('varchar', { typmod: 14 })).type.maxLength).toBe(10);
    expect(classifyColumn(raw('bpchar', { typmod: 7 })).type.maxLength).toBe(3);
    expect(classifyColumn(raw('varchar')).type.maxLength).toBeUndefined();
    expect(classifyColumn(raw('text')).type).not.toHaveProperty('maxLength');
  });

  test('arrays keep the element kind, the delimiter and the SQL type', () => {
    const { type } = classifyColumn(raw('box', { isArray: true, delimiter: ';', sqlType: 'box[]', sqlDatatype: 'box[]' }));
    expect(type).toEqual({ kind: 'string', isArray: true, sqlType: 'box[]', sqlDatatype: 'box[]', baseTypeName: 'box', delimiter: ';' });
  });

  test('sql-datatype names bit(N) for N > 1 only', () => {
    expect(classifyColumn(raw('bit', { typmod: 5, sqlType: 'bit(5)', sqlDatatype: 'bit' })).type.sqlDatatype).toBe('bit(5)');
    expect(classifyColumn(raw('bit', { typmod: 3, isArray: true, sqlDatatype: 'bit[]' })).type.sqlDatatype).toBe('bit(3)[]');
    expect(classifyColumn(raw('bit', { typmod: 1, sqlDatatype: 'bit' })).type.sqlDatatype).toBe('bit');
    expect(classifyColumn(raw('int4', { sqlDatatype: 'app.positive_int' })).type.sqlDatatype).toBe('app.positive_int');
  });

  test('base type names: built-ins and hstore/citext bare, other types schema-qualified', () => {
    expect(classifyColumn(raw('int8')).type.baseTypeName).toBe('int8');
    expect(classifyColumn(raw('citext', { typeSchema: 'ext' })).type.baseTypeName).toBe('citext');
    expect(classifyColumn(raw('hstore', { typeSchema: 'public' })).type.baseTypeName).toBe('hstore');
    expect(classifyColumn(raw('mood', { typeSchema: 'app', typtype: 'e' })).type.baseTypeName).toBe('app.mood');
  });

  test('pseudo types cannot be read: supported false', () => {
    expect(classifyColumn(raw('anyarray', { typtype: 'p' })).supported).toBe(false);
    expect(classifyColumn(raw('unknown', { typtype: 'p' })).supported).toBe(false);
  });
});

describe('isCursorCapable', () => {
  function type(kind: ValueKind, baseTypeName: string, isArray = false): ColumnType {
    return { kind, isArray, sqlType: baseTypeName, baseTypeName, delimiter: ',' };
  }
  const capable: Array<[ColumnType, boolean]> = [
    [type('smallint', 'int2'), true],
    [type('integer', 'int4'), true],
    [type('bigint', 'int8'), true],
    [type('numeric', 'numeric'), true],
    [type('real', 'float4'), true],
    [type('double', 'float8'), true],
    [type('date', 'date'), true],
    [type('time', 'time'), true],
    [type('timestamp', 'timestamp'), true],
    [type('timestamptz', 'timestamptz'), true],
    [type('string', 'text'), true],
    [type('string', 'varchar'), true],
    [type('string', 'bpchar'), true],
    [type('string', 'citext'), true],
    [type('string', 'name'), true],
    [type('string', 'uuid'), true],
    [type('string', 'inet'), false],
    [type('string', 'app.mood'), false],
    [type('string', 'int4range'), false],
    [type('timetz', 'timetz'), false],
    [type('interval', 'interval'), false],
    [type('boolean', 'bool'), false],
    [type('bit1', 'bit'), false],
    [type('json', 'json'), false],
    [type('jsonb', 'jsonb'), false],
    [type('hstore', 'hstore'), false],
    [type('bytea', 'bytea'), false],
    [type('integer', 'int4', true), false],
    [type('string', 'text', true), false],
  ];
  test.each(capable)('%j → %s', (columnType, expected) => {
    expect(isCursorCapable(columnType)).toBe(expected);
  });
});
