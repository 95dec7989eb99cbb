/**
 * pgoutput tuples → RECORD bodies for one stream, through the one value converter. Built once
 * per Relation message (the table's column list at that point of the WAL). Pure.
 *
 * - INSERT/UPDATE: every selected column. An unchanged TOASTed value ('u': the WAL does not
 *   carry it) is taken from the old row when the table has REPLICA IDENTITY FULL; otherwise it,
 *   and any selected column the Relation does not publish (a stored generated column before
 *   PostgreSQL 18), is `missing` and comes from a read-back by `readKey` (`fill`). Without a
 *   fill (the row was gone at the read-back) such a column is left out — never written as null.
 * - DELETE: the replica identity columns (REPLICA IDENTITY FULL: the whole old row) that are
 *   selected, plus `_sdc_deleted_at`.
 * - An UPDATE that changes the key: the old key is gone, so it becomes a DELETE of the old key
 *   followed by the new row (`keyChanged` tells the caller).
 * `_sdc_lsn` is on every record. The change columns' names come from the writer's record format
 * (Singer's `_sdc_*` by default), which may also ask for the commit time on every record.
 */
import { SINGER_CHANGE_COLUMNS, type ChangeColumns } from '../../messages/record-format';
import type { ColumnInfo } from '../../pg/types';
import { columnConverter } from '../../values/convert';
import type { ToJson } from '../../values/to-json';
import type { Relation, TupleValue } from './pgoutput-decoder';

interface EncodedField {
  name: string;
  /** Position in the tuple; -1 for a column the Relation does not publish (read back only). */
  index: number;
  /** `"name":` */
  key: string;
  toJson: ToJson;
  isKey: boolean;
}

/** How the rows of this Relation are read back: its key columns with their SQL types. */
export interface ReadKey {
  indexes: number[];
  columns: Array<{ name: string; sqlType: string }>;
}

export interface ChangeEncoder {
  /**
   * INSERT/UPDATE record body; `old` is UPDATE's old row under REPLICA IDENTITY FULL;
   * `committedAt` is written only when the change columns name `updatedAt`; `fill` the values
   * read back for the `missing` columns.
   */
  upsert(tuple: readonly TupleValue[], old: readonly TupleValue[] | undefined, lsn: number, committedAt?: string, fill?: ReadonlyMap<string, TupleValue>): string;
  /** The selected columns an INSERT/UPDATE lacks a value for ([] when the row is complete). */
  missing(tuple: readonly TupleValue[], old: readonly TupleValue[] | undefined): string[];
  /** The key to read the row back by (undefined when the Relation has no usable key). */
  readonly readKey: ReadKey | undefined;
  /** The row's key values, from the new tuple (the old one for an unchanged TOASTed key). */
  keyValues(tuple: readonly TupleValue[], old: readonly TupleValue[] | undefined): string[] | undefined;
  /** DELETE record body; `full`: the old tuple is the whole row (REPLICA IDENTITY FULL). */
  delete(tuple: readonly TupleValue[], full: boolean, lsn: number, deletedAt: string): string;
  /** Whether bodies carry the commit time (the caller then passes `committedAt`). */
  readonly wantsCommitTime: boolean;
  /** Whether an UPDATE's old tuple (K or O) holds other key values than its new tuple. */
  keyChanged(old: readonly TupleValue[], tuple: readonly TupleValue[]): boolean;
}

/**
 * `columns`: the ColumnInfo of every column the stream emits, by name (selected columns and
 * columns added after discovery). Columns of the Relation not in it are not emitted.
 */
export function changeEncoder(
  relation: Relation,
  columns: ReadonlyMap<string, ColumnInfo>,
  jsonAsObject: boolean,
  onWarning: (column: string, reason: string) => void,
  /** The stream's key properties; the Relation's replica identity flags when empty. */
  keyProperties: readonly string[] = [],
  names: Readonly<ChangeColumns> = SINGER_CHANGE_COLUMNS,
  /**
   * `absent`: selected columns of the table the Relation does not carry; `sqlTypes`: the
   * format_type of each Relation column (for the read-back key).
   */
  fill: { absent: readonly ColumnInfo[]; sqlTypes: readonly string[] } = { absent: [], sqlTypes: [] },
): ChangeEncoder {
  const fields: EncodedField[] = [];
  const field = (name: string, index: number, info: ColumnInfo, isKey: boolean): EncodedField => ({
    name,
    index,
    key: JSON.stringify(name) + ':',
    toJson: columnConverter(info.type, { jsonAsObject }, (reason) => onWarning(name, reason)),
    isKey,
  });
  relation.columns.forEach((column, index) => {
    const info = columns.get(column.name);
    if (info) fields.push(field(column.name, index, info, column.isKey));
  });
  for (const info of fill.absent) fields.push(field(info.name, -1, info, false));
  const absentNames = fill.absent.map((c) => c.name);
  // Under REPLICA IDENTITY FULL every column is flagged as key, so the stream's own key decides.
  const isStreamKey = (column: { name: string; isKey: boolean }) =>
    keyProperties.length > 0 ? keyProperties.includes(column.name) : column.isKey;
  const keyIndexes = relation.columns.flatMap((column, index) => (isStreamKey(column) ? [index] : []));
  // The read-back key: the replica identity (unique, not null); under FULL the stream's key.
  const identity = relation.replicaIdentity === 'd' || relation.replicaIdentity === 'i';
  const readIndexes = identity ? relation.columns.flatMap((c, i) => (c.isKey ? [i] : [])) : keyIndexes.filter(() => keyProperties.length > 0);
  const readKey: ReadKey | undefined =
    readIndexes.length > 0 && readIndexes.every((i) => fill.sqlTypes[i])
      ? { indexes: readIndexes, columns: readIndexes.map((i) => ({ name: relation.columns[i].name, sqlType: fill.sqlTypes[i] })) }
      : undefined;
  const lsnKey = JSON.stringify(names.lsn) + ':';
  const deletedKey = JSON.stringify(names.deletedAt) + ':';
  const updatedKey = names.updatedAt === undefined ? '' : ',' + JSON.stringify(names.updatedAt) + ':';
  const updated = (at: string | undefined): string => (updatedKey === '' ? '' : updatedKey + (at === undefined ? 'null' : '"' + at + '"'));

  const valueOf = (f: EncodedField, tuple: readonly TupleValue[], old: readonly TupleValue[] | undefined): TupleValue => {
    if (f.index < 0) return undefined;
    const value = tuple[f.index];
    return value === undefined && old !== undefined ? old[f.index] : value;
  };
  const body = (
    tuple: readonly TupleValue[],
    old: readonly TupleValue[] | undefined,
    only: (f: EncodedField) => boolean,
    fillValues?: ReadonlyMap<string, TupleValue>,
  ): string => {
    let out = '';
    for (const field of fields) {
      if (!only(field)) continue;
      let value = valueOf(field, tuple, old);
      if (value === undefined && fillValues !== undefined) value = fillValues.get(field.name);
      if (value === undefined) continue;
      out += field.key + (value === null ? 'null' : field.toJson(value)) + ',';
    }
    return out;
  };

  return {
    wantsCommitTime: updatedKey !== '',
    upsert(tuple, old, lsn, committedAt, fillValues) {
      return '{' + body(tuple, old, () => true, fillValues) + lsnKey + lsn + ',' + deletedKey + 'null' + updated(committedAt) + '}';
    },
    missing(tuple, old) {
      let names: string[] | undefined;
      for (const f of fields) {
        if (f.index >= 0 && valueOf(f, tuple, old) === undefined) (names ??= absentNames.slice()).push(f.name);
      }
      return names ?? absentNames;
    },
    readKey,
    keyValues(tuple, old) {
      if (!readKey) return undefined;
      const values: string[] = [];
      for (const i of readKey.indexes) {
        const value = tuple[i] === undefined && old !== undefined ? old[i] : tuple[i];
        if (typeof value !== 'string') return undefined;
        values.push(value);
      }
      return values;
    },
    delete(tuple, full, lsn, deletedAt) {
      return '{' + body(tuple, undefined, (f) => f.index >= 0 && (full || f.isKey)) + lsnKey + lsn + ',' + deletedKey + '"' + deletedAt + '"' + updated(deletedAt) + '}';
    },
    keyChanged(old, tuple) {
      // An unchanged TOASTed key ('u', undefined) is the same key.
      return keyIndexes.some((i) => tuple[i] !== undefined && old[i] !== tuple[i]);
    },
  };
}
