import { decodePgOutput, PgOutputError } from '../../lib/sync/logical/pgoutput-decoder';

// Captured from PostgreSQL 15 (proto_version '1') for:
//   CREATE TYPE mood AS ENUM ('sad','ok'); CREATE TABLE cap_t (id int PRIMARY KEY, m mood, t text);
//   INSERT (1,'ok','héllo'),(2,NULL,'x'); UPDATE SET t='y' WHERE id=2; DELETE WHERE id=1; TRUNCATE
const hex = (h: string) => Buffer.from(h, 'hex');
const BEGIN = '42000000000194b4c8000303fde7c1ee00000002d8';
const TYPE = '59000040097075626c6963006d6f6f6400';
const RELATION = '520000400d7075626c6963006361705f74006400030169640000000017ffffffff006d0000004009ffffffff00740000000019ffffffff';
const INSERT_1 = '490000400d4e000374000000013174000000026f6b740000000668c3a96c6c6f';
const INSERT_2 = '490000400d4e00037400000001326e740000000178';
const COMMIT = '4300000000000194b4c8000000000194b4f8000303fde7c1ee00';
const UPDATE = '550000400d4e00037400000001326e740000000179';
const DELETE = '440000400d4b00037400000001316e6e';
const TRUNCATE = '5400000001000000400d';

test('Begin and Commit carry the commit LSN, end LSN, time and xid', () => {
  expect(decodePgOutput(hex(BEGIN))).toEqual({ tag: 'Begin', finalLsn: 0x194b4c8n, commitTime: 0x303fde7c1ee00n, xid: 728 });
  expect(decodePgOutput(hex(COMMIT))).toEqual({ tag: 'Commit', flags: 0, commitLsn: 0x194b4c8n, endLsn: 0x194b4f8n, commitTime: 0x303fde7c1ee00n });
});

test('Type and Relation', () => {
  expect(decodePgOutput(hex(TYPE))).toEqual({ tag: 'Type', typeOid: 16393, namespace: 'public', name: 'mood' });
  expect(decodePgOutput(hex(RELATION))).toEqual({
    tag: 'Relation',
    relationId: 16397,
    namespace: 'public',
    name: 'cap_t',
    replicaIdentity: 'd',
    columns: [
      { isKey: true, name: 'id', typeOid: 23, typeModifier: -1 },
      { isKey: false, name: 'm', typeOid: 16393, typeModifier: -1 },
      { isKey: false, name: 't', typeOid: 25, typeModifier: -1 },
    ],
  });
});

test('Insert, Update and Delete tuples: text (UTF-8), NULL', () => {
  expect(decodePgOutput(hex(INSERT_1))).toEqual({ tag: 'Insert', relationId: 16397, newTuple: ['1', 'ok', 'héllo'] });
  expect(decodePgOutput(hex(INSERT_2))).toEqual({ tag: 'Insert', relationId: 16397, newTuple: ['2', null, 'x'] });
  expect(decodePgOutput(hex(UPDATE))).toEqual({ tag: 'Update', relationId: 16397, newTuple: ['2', null, 'y'] });
  expect(decodePgOutput(hex(DELETE))).toEqual({ tag: 'Delete', relationId: 16397, oldKind: 'K', oldTuple: ['1', null, null] });
});

test('Truncate', () => {
  expect(decodePgOutput(hex(TRUNCATE))).toEqual({ tag: 'Truncate', cascade: false, restartIdentity: false, relationIds: [16397] });
  expect(decodePgOutput(hex('5400000002030000400d0000400e'))).toEqual({ tag: 'Truncate', cascade: true, restartIdentity: true, relationIds: [16397, 16398] });
});

test("Update with an old tuple ('O', REPLICA IDENTITY FULL) and an unchanged TOAST value ('u')", () => {
  const old = '4f' + '0002' + '7400000001' + '31' + '7400000003' + '616263';
  const message = '55' + '0000400d' + old + '4e' + '0002' + '7400000001' + '32' + '75';
  expect(decodePgOutput(hex(message))).toEqual({ tag: 'Update', relationId: 16397, oldKind: 'O', oldTuple: ['1', 'abc'], newTuple: ['2', undefined] });
});

test('Origin', () => {
  expect(decodePgOutput(hex('4f' + '0000000000000010' + Buffer.from('node_a\0').toString('hex')))).toEqual({ tag: 'Origin', commitLsn: 16n, name: 'node_a' });
});

test('unknown messages, binary values and truncated messages are clear errors', () => {
  expect(() => decodePgOutput(hex('5a00'))).toThrow(/unknown message type 'Z'/);
  expect(() => decodePgOutput(hex('490000400d4e0001620000000101'))).toThrow(/binary tuple values are not supported/);
  expect(() => decodePgOutput(hex(INSERT_1).subarray(0, 20))).toThrow(PgOutputError);
  expect(() => decodePgOutput(hex('490000400d5800'))).toThrow(/Insert: expected 'N'/);
  expect(() => decodePgOutput(hex('5a00'))).toThrow(expect.objectContaining({ code: 'PGOUTPUT_DECODE', exitCode: 1 }));
});
