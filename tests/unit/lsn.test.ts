import { formatLsn, lsnFromBookmark, lsnToNumber, maxLsn, minLsn, parseLsn, pgTimestampFromDate, pgTimestampToIso } from '../../lib/sync/logical/lsn';
import { parseCopyData, publicationNamesOption, standbyStatusUpdate, startReplicationCommand } from '../../lib/sync/logical/replication-stream';

test('LSN text ⇄ BigInt ⇄ STATE integer', () => {
  expect(parseLsn('16/B374D848')).toBe(0x16b374d848n);
  expect(parseLsn('0/0')).toBe(0n);
  expect(formatLsn(0x16b374d848n)).toBe('16/B374D848');
  expect(formatLsn(parseLsn('FFFFFFFF/FFFFFFFF'))).toBe('FFFFFFFF/FFFFFFFF');
  expect(lsnToNumber(0x16b374d848n)).toBe(0x16b374d848);
  expect(() => lsnToNumber(1n << 53n)).toThrow(/does not fit/);
  expect(() => parseLsn('16-B374D848')).toThrow(/not an LSN/);
  expect(lsnFromBookmark(123)).toBe(123n);
  expect(lsnFromBookmark('123')).toBe(123n);
  expect(lsnFromBookmark(-1)).toBeUndefined();
  expect(lsnFromBookmark(1.5)).toBeUndefined();
  expect(lsnFromBookmark(undefined)).toBeUndefined();
  expect(maxLsn(1n, 2n)).toBe(2n);
  expect(minLsn([5n, 3n, 9n])).toBe(3n);
  expect(minLsn([])).toBeUndefined();
});

test('protocol timestamps (µs since 2000-01-01 UTC)', () => {
  expect(pgTimestampToIso(0n)).toBe('2000-01-01T00:00:00.000000+00:00');
  expect(pgTimestampToIso(0x303fde7c1ee00n)).toMatch(/^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
  expect(pgTimestampToIso(1_000_001n)).toBe('2000-01-01T00:00:01.000001+00:00');
  expect(pgTimestampToIso(-1n)).toBe('1999-12-31T23:59:59.999999+00:00');
  expect(pgTimestampFromDate(new Date('2000-01-01T00:00:01.5Z'))).toBe(1_500_000n);
});

test('replication messages: XLogData, keepalive, StandbyStatusUpdate, START_REPLICATION', () => {
  const w = Buffer.alloc(26);
  w[0] = 0x77;
  w.writeBigUInt64BE(10n, 1);
  w.writeBigUInt64BE(20n, 9);
  w.writeBigInt64BE(30n, 17);
  w[25] = 0x42;
  expect(parseCopyData(w)).toEqual({ tag: 'XLogData', walStart: 10n, walEnd: 20n, sendTime: 30n, data: Buffer.from([0x42]) });
  const k = Buffer.alloc(18);
  k[0] = 0x6b;
  k.writeBigUInt64BE(99n, 1);
  k[17] = 1;
  expect(parseCopyData(k)).toEqual({ tag: 'PrimaryKeepalive', walEnd: 99n, sendTime: 0n, replyRequested: true });
  expect(() => parseCopyData(Buffer.from([0x71]))).toThrow(/unexpected CopyData/);
  expect(() => parseCopyData(Buffer.from([0x77, 0]))).toThrow(expect.objectContaining({ code: 'REPLICATION_PROTOCOL', exitCode: 1 }));

  const r = standbyStatusUpdate(0x1234n, new Date('2000-01-01T00:00:02Z'));
  expect(r.length).toBe(34);
  expect(r[0]).toBe(0x72);
  expect([r.readBigUInt64BE(1), r.readBigUInt64BE(9), r.readBigUInt64BE(17)]).toEqual([0x1234n, 0x1234n, 0x1234n]);
  expect(r.readBigInt64BE(25)).toBe(2_000_000n);
  expect(r[33]).toBe(0);
  expect(standbyStatusUpdate(0x1234n, new Date(), true)[33]).toBe(1);

  expect(startReplicationCommand('tap_slot', 0x16b374d848n, "it's \"x\"")).toBe(
    `START_REPLICATION SLOT tap_slot LOGICAL 16/B374D848 (proto_version '1', publication_names '"it''s ""x"""')`,
  );
  expect(publicationNamesOption('p')).toBe(`'"p"'`);
  expect(() => startReplicationCommand('Bad; DROP', 0n, 'p')).toThrow(/invalid replication slot name/);
});
