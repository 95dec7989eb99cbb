import type { ColumnType, ValueKind } from '../../lib/pg/types';
import { columnConverter } from '../../lib/values/convert';
import { recordEncoder } from '../helpers/record-reference';
import { rawMembers } from '../helpers/raw-json';

const type = (kind: ValueKind, isArray = false): ColumnType => ({ kind, isArray, sqlType: kind, baseTypeName: kind, delimiter: ',' });
const column = (name: string, kind: ValueKind, isArray = false) => ({
  name,
  toJson: columnConverter(type(kind, isArray), { jsonAsObject: false }, () => undefined),
});

describe('recordEncoder', () => {
  const encode = recordEncoder([
    column('id', 'bigint'),
    column('Name "quoted"', 'string'),
    column('tags', 'string', true),
    column('at', 'timestamptz'),
    column('ok', 'boolean'),
  ]);

  test('builds the record object with pre-serialised keys', () => {
    const json = encode(['9223372036854775807', 'x\ty', '{a,NULL}', '2024-01-01 00:00:00+00', 't']);
    expect(json).toBe(
      '{"id":9223372036854775807,"Name \\"quoted\\"":"x\\ty","tags":["a",null],"at":"2024-01-01T00:00:00.000000+00:00","ok":true}',
    );
    expect(rawMembers(json).get('id')).toBe('9223372036854775807');
  });

  test('SQL NULL becomes null for every kind', () => {
    expect(JSON.parse(encode([null, null, null, null, null]))).toEqual({ id: null, 'Name "quoted"': null, tags: null, at: null, ok: null });
  });

  test('ignores extra trailing fields (e.g. a ctid the query adds)', () => {
    expect(JSON.parse(encode(['1', 'a', '{}', '2024-01-01 00:00:00+00', 'f', '(0,1)']))).toEqual({
      id: 1,
      'Name "quoted"': 'a',
      tags: [],
      at: '2024-01-01T00:00:00.000000+00:00',
      ok: false,
    });
  });

  test('no columns → {}', () => {
    expect(recordEncoder([])([])).toBe('{}');
  });
});
