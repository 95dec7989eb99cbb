/**
 * pgoutput tuples → RECORD bodies for one stream, through the one value converter. Built once
 * per Relation message (the table's column list at that point of the WAL). Pure.
 *
 * - INSERT/UPDATE: every selected column present in the tuple. An unchanged TOASTed value
 *   ('u': the WAL does not carry it) is taken from the old row when the table has REPLICA
 *   IDENTITY FULL, and otherwise left out of the record — never written as null.
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
  /** Position in the tuple. */
  index: number;
  /** `"name":` */
  key: string;
  toJson: ToJson;
  isKey: boolean;
}

export interface ChangeEncoder {
  /**
   * INSERT/UPDATE record body; `old` is UPDATE's old row under REPLICA IDENTITY FULL;
   * `committedAt` is written only when the change columns name `updatedAt`.
   */
  upsert(tuple: readonly TupleValue[], old: readonly TupleValue[] | undefined, lsn: number, committedAt?: string): string;
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
): ChangeEncoder {
  const fields: EncodedField[] = [];
  relation.columns.forEach((column, index) => {
    const info = columns.get(column.name);
    if (!info) return;
    fields.push({
      index,
      key: JSON.stringify(column.name) + ':',
      toJson: columnConverter(info.type, { jsonAsObject }, (reason) => onWarning(column.name, reason)),
      isKey: column.isKey,
    });
  });
  // Under REPLICA IDENTITY FULL every column is flagged as key, so the stream's own key decides.
  const isStreamKey = (column: { name: string; isKey: boolean }) =>
    keyProperties.length > 0 ? keyProperties.includes(column.name) : column.isKey;
  const keyIndexes = relation.columns.flatMap((column, index) => (isStreamKey(column) ? [index] : []));
  const lsnKey = JSON.stringify(names.lsn) + ':';
  const deletedKey = JSON.stringify(names.deletedAt) + ':';
  const updatedKey = names.updatedAt === undefined ? '' : ',' + JSON.stringify(names.updatedAt) + ':';
  const updated = (at: string | undefined): string => (updatedKey === '' ? '' : updatedKey + (at === undefined ? 'null' : '"' + at + '"'));

  const body = (tuple: readonly TupleValue[], old: readonly TupleValue[] | undefined, only: (f: EncodedField) => boolean): string => {
    let out = '';
    for (const field of fields) {
      if (!only(field)) continue;
      let value = tuple[field.index];
      if (value === undefined && old !== undefined) value = old[field.index];
      if (value === undefined) continue;
      out += field.key + (value === null ? 'null' : field.toJson(value)) + ',';
    }
    return out;
  };

  return {
    wantsCommitTime: updatedKey !== '',
    upsert(tuple, old, lsn, committedAt) {
      return '{' + body(tuple, old, () => true) + lsnKey + lsn + ',' + deletedKey + 'null' + updated(committedAt) + '}';
    },
    delete(tuple, full, lsn, deletedAt) {
      return '{' + body(tuple, undefined, (f) => full || f.isKey) + lsnKey + lsn + ',' + deletedKey + '"' + deletedAt + '"' + updated(deletedAt) + '}';
    },
    keyChanged(old, tuple) {
      // An unchanged TOASTed key ('u', undefined) is the same key.
      return keyIndexes.some((i) => tuple[i] !== undefined && old[i] !== tuple[i]);
    },
  };
}
