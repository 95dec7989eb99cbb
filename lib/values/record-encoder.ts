/**
 * Builds a RECORD's `record` object text from a row's field texts: the keys are serialised once
 * per stream (`{"id":`, `,"name":`, …), each value goes through its column's converter, and SQL
 * NULL becomes `null`. No per-row objects.
 */
import { jsonString } from './json-text';
import type { ToJson } from './to-json';

export interface EncodedColumn {
  name: string;
  toJson: ToJson;
}

export function recordEncoder(columns: ReadonlyArray<EncodedColumn>): (fields: ReadonlyArray<string | null>) => string {
  const keys = columns.map((column, index) => (index === 0 ? '{' : ',') + jsonString(column.name) + ':');
  const converters = columns.map((column) => column.toJson);
  const count = columns.length;
  if (count === 0) return () => '{}';
  return (fields) => {
    let out = '';
    for (let i = 0; i < count; i += 1) {
      const field = fields[i];
      out += keys[i] + (field === null || field === undefined ? 'null' : converters[i](field));
    }
    return out + '}';
  };
}
