import { SINGER_CHANGE_COLUMNS } from '../../lib/messages/record-format';
import type { TapConfig } from '../../lib/config/types';
import type { ColumnInfo, ValueKind } from '../../lib/pg/types';
import { changeEncoder } from '../../lib/sync/logical/change-encoder';
import type { Relation } from '../../lib/sync/logical/pgoutput-decoder';
import { logicalReport, setupProblems, type LogicalSetup } from '../../lib/sync/logical/slot-check';
import { toastWarning } from '../../lib/sync/logical/toast-check';

const column = (name: string, kind: ValueKind): ColumnInfo => ({
  name,
  position: 0,
  type: { kind, isArray: false, sqlType: kind, baseTypeName: kind, delimiter: ',' },
  notNull: false,
  supported: true,
});

const relation: Relation = {
  tag: 'Relation',
  relationId: 1,
  namespace: 'public',
  name: 't',
  replicaIdentity: 'd',
  columns: [
    { isKey: true, name: 'id', typeOid: 20, typeModifier: -1 },
    { isKey: false, name: 'doc', typeOid: 25, typeModifier: -1 },
    { isKey: false, name: 'hidden', typeOid: 25, typeModifier: -1 },
    { isKey: false, name: 'at', typeOid: 1184, typeModifier: -1 },
  ],
};
const selected = new Map([column('id', 'bigint'), column('doc', 'string'), column('at', 'timestamptz')].map((c) => [c.name, c]));

describe('changeEncoder', () => {
  const warnings: string[] = [];
  const encode = changeEncoder(relation, selected, false, (name, reason) => warnings.push(`${name}: ${reason}`));

  test('INSERT/UPDATE: selected columns through the value converter, _sdc_lsn, _sdc_deleted_at null', () => {
    expect(encode.upsert(['9007199254740993', 'x"y', 'secret', '2024-02-29 13:14:15.5+00'], undefined, 42)).toBe(
      '{"id":9007199254740993,"doc":"x\\"y","at":"2024-02-29T13:14:15.500000+00:00","_sdc_lsn":42,"_sdc_deleted_at":null}',
    );
    expect(encode.upsert(['1', null, null, null], undefined, 1)).toBe('{"id":1,"doc":null,"at":null,"_sdc_lsn":1,"_sdc_deleted_at":null}');
  });

  test('an unchanged TOAST value: taken from the REPLICA IDENTITY FULL old row, else missing and filled from a read-back', () => {
    expect(encode.missing(['1', undefined, 'h', null], undefined)).toEqual(['doc']);
    expect(encode.missing(['1', undefined, 'h', null], ['1', 'old doc', 'h', null])).toEqual([]);
    expect(encode.upsert(['1', undefined, 'h', null], ['1', 'old doc', 'h', null], 7)).toBe('{"id":1,"doc":"old doc","at":null,"_sdc_lsn":7,"_sdc_deleted_at":null}');
    expect(encode.upsert(['1', undefined, 'h', null], undefined, 7, undefined, new Map([['doc', 'read back']]))).toBe(
      '{"id":1,"doc":"read back","at":null,"_sdc_lsn":7,"_sdc_deleted_at":null}',
    );
    // No fill (the row was gone): the key is left out, never written as null.
    expect(encode.upsert(['1', undefined, 'h', null], undefined, 7)).toBe('{"id":1,"at":null,"_sdc_lsn":7,"_sdc_deleted_at":null}');
  });

  test('columns the Relation does not carry (generated) are missing on every change; the read-back key is the replica identity', () => {
    const gen = { ...column('twice', 'integer'), position: 9 };
    const withGen = changeEncoder(relation, new Map([...selected, ['twice', gen]]), false, () => undefined, [], SINGER_CHANGE_COLUMNS, {
      absent: [gen],
      sqlTypes: ['bigint', 'text', 'text', 'timestamp with time zone'],
    });
    expect(withGen.missing(['1', 'd', 'h', null], undefined)).toEqual(['twice']);
    expect(withGen.readKey).toEqual({ indexes: [0], columns: [{ name: 'id', sqlType: 'bigint' }] });
    expect(withGen.keyValues(['5', undefined, 'h', null], undefined)).toEqual(['5']);
    expect(withGen.upsert(['1', 'd', 'h', null], undefined, 3, undefined, new Map([['twice', '2']]))).toBe('{"id":1,"doc":"d","at":null,"twice":2,"_sdc_lsn":3,"_sdc_deleted_at":null}');
    expect(withGen.delete(['5', null, null, null], false, 8, 'x')).toBe('{"id":5,"_sdc_lsn":8,"_sdc_deleted_at":"x"}');
    // Without the key columns' SQL types there is no read-back key.
    expect(encode.readKey).toBeUndefined();
  });

  test('REPLICA IDENTITY FULL: every column is flagged, the read-back key is the stream key (none without one)', () => {
    const full: Relation = { ...relation, replicaIdentity: 'f', columns: relation.columns.map((c) => ({ ...c, isKey: true })) };
    const fill = { absent: [], sqlTypes: ['bigint', 'text', 'text', 'timestamp with time zone'] };
    expect(changeEncoder(full, selected, false, () => undefined, ['id'], SINGER_CHANGE_COLUMNS, fill).readKey?.columns).toEqual([{ name: 'id', sqlType: 'bigint' }]);
    expect(changeEncoder(full, selected, false, () => undefined, [], SINGER_CHANGE_COLUMNS, fill).readKey).toBeUndefined();
  });

  test('DELETE: key columns (or the whole old row with FULL), _sdc_deleted_at', () => {
    const at = '2024-01-01T00:00:00.000001+00:00';
    expect(encode.delete(['5', null, null, null], false, 8, at)).toBe(`{"id":5,"_sdc_lsn":8,"_sdc_deleted_at":"${at}"}`);
    expect(encode.delete(['5', 'd', 'h', null], true, 8, at)).toBe(`{"id":5,"doc":"d","at":null,"_sdc_lsn":8,"_sdc_deleted_at":"${at}"}`);
    expect(warnings).toEqual([]);
  });
});

describe('setupProblems', () => {
  const config = { dbname: 'db', replication_slot_name: 'slot', publication_name: 'pub' } as TapConfig;
  const good: LogicalSetup = {
    versionNum: 150000,
    walLevel: 'logical',
    canReplicate: true,
    user: 'u',
    slot: { plugin: 'pgoutput', database: 'db', active: false, confirmedFlushLsn: '0/1' },
    publication: { allTables: false, viaRoot: true, tables: [{ schema: 'public', name: 't' }] },
  };
  const t = { schema: 'public', name: 't', kind: 'r' };

  test('a good set-up has none', () => {
    expect(setupProblems(good, config, [t])).toEqual([]);
  });

  test('each problem names its fix', () => {
    const problems = setupProblems({ ...good, walLevel: 'replica', canReplicate: false, slot: { ...good.slot!, database: 'other' } }, config, [
      t,
      { schema: 'public', name: 'u', kind: 'r' },
    ]);
    expect(problems).toEqual([
      'wal_level is replica, LOG_BASED needs logical: ALTER SYSTEM SET wal_level = logical; then restart the server',
      'role u lacks the REPLICATION privilege: ALTER ROLE "u" REPLICATION;',
      'replication slot slot belongs to database other, not db: set replication_slot_name to a slot of this database',
      'table "public"."u" is not in publication pub: ALTER PUBLICATION "pub" ADD TABLE "public"."u";',
    ]);
    expect(setupProblems({ ...good, slot: undefined, publication: undefined }, config, [t])).toEqual([
      "replication slot slot does not exist: SELECT pg_create_logical_replication_slot('slot', 'pgoutput');",
      'publication pub does not exist: CREATE PUBLICATION "pub" FOR TABLE "public"."t" WITH (publish_via_partition_root = true);',
    ]);
  });

  test('before PostgreSQL 13: no publish_via_partition_root, and a partitioned table cannot be published under its name', () => {
    const pg12 = { ...good, versionNum: 120022 };
    expect(setupProblems({ ...pg12, publication: undefined }, config, [t])).toEqual([
      'publication pub does not exist: CREATE PUBLICATION "pub" FOR TABLE "public"."t";',
    ]);
    expect(setupProblems({ ...pg12, publication: { ...good.publication!, viaRoot: false } }, config, [{ schema: 'public', name: 'p', kind: 'p' }])).toEqual([
      'table "public"."p" is partitioned, and before PostgreSQL 13 a publication cannot send a partitioned table\'s changes under its name: select its partitions for LOG_BASED instead',
    ]);
    expect(setupProblems({ ...good, publication: { ...good.publication!, viaRoot: false } }, config, [{ schema: 'public', name: 'p', kind: 'p' }])).toEqual([
      'table "public"."p" is partitioned and publication pub sends its changes under the partitions\' names: ALTER PUBLICATION "pub" SET (publish_via_partition_root = true);',
    ]);
  });
});

describe('toastWarning', () => {
  test('names each table and its TOASTable columns; nothing when none', () => {
    expect(toastWarning([])).toBeUndefined();
    const line = toastWarning([
      { schema: 'public', name: 'docs', columns: ['body', 'meta'] },
      { schema: 's', name: 't', columns: ['x'] },
    ]);
    expect(line).toMatch(/^LOG_BASED: table\(s\) with TOASTable columns and no REPLICA IDENTITY FULL: public\.docs \(body, meta\), s\.t \(x\); .*read.* back by key/);
    const config = { dbname: 'db', replication_slot_name: 'slot', publication_name: 'pub' } as TapConfig;
    const report = logicalReport({ walLevel: 'logical', canReplicate: true, user: 'u', versionNum: 180000, toast: [{ schema: 's', name: 't', columns: ['x'] }] }, config);
    expect(report[report.length - 1]).toMatch(/s\.t \(x\)/);
  });
});
