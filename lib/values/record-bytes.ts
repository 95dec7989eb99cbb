/**
 * The byte path of the RECORD encoder: COPY text rows (UTF-8 bytes) → whole RECORD lines, written
 * into a ByteOutput without building a string per field or per row. The keys, the message
 * prefix and each column's byte writer are chosen once per stream; a row is scanned once for its
 * TAB/LF field bounds and each field is written by its column's writer (byte-writers.ts). Each
 * value is byte-for-byte what its column's string converter (convert.ts) writes for the decoded
 * field (tests/integration/fast-path.test.ts compares the lines with a string-built reference on
 * every fixture value).
 */
import { SyncError } from '../errors';
import type { ColumnType } from '../pg/types';
import type { ByteOutput } from './byte-output';
import { byteWriter, type ByteWriter } from './byte-writers';
import { decodeCopyField } from './copy-text';
import { jsonString } from './json-text';
import type { ToJson } from './to-json';

export interface ByteColumn {
  name: string;
  type: ColumnType;
  /** The column's string converter (convert.ts), which the byte writer falls back to. */
  toJson: ToJson;
}

export interface RecordBytesOptions {
  /** The text before the record object (lib/messages/record-format.ts). */
  prefix: string;
  jsonAsObject: boolean;
  /** Fields the query selects after the columns (e.g. ctid): not written. */
  extraFields: number;
}

export interface RecordBytesEncoder {
  /**
   * Writes the RECORD line of the row at `src[start…]` (which must end with LF inside `src`)
   * and returns the index after that LF.
   */
  encodeRow(src: Buffer, start: number, out: ByteOutput): number;
  /** Sets the text after the record object's closing brace (the format's tail, without the LF). */
  setTail(after: string): void;
  /** Whether field `k` of the last encoded row is NULL (`\N`). */
  isNull(k: number): boolean;
}

const TAB = 0x09;
const LF = 0x0a;
const BACKSLASH = 0x5c;
const UPPER_N = 0x4e;
const NULL = Buffer.from('null');

export function recordBytesEncoder(columns: ReadonlyArray<ByteColumn>, options: RecordBytesOptions): RecordBytesEncoder {
  const count = columns.length;
  const width = count + options.extraFields;
  const head = Buffer.from(options.prefix + '{' + (count > 0 ? jsonString(columns[0].name) + ':' : ''));
  const keys = columns.map((column) => Buffer.from(',' + jsonString(column.name) + ':'));
  const writers: ByteWriter[] = columns.map((column) => byteWriter(column.type, column.toJson, options.jsonAsObject));
  const fixedBytes = head.length + keys.reduce((sum, key) => sum + key.length, 0) + 16 * width;
  const starts = new Int32Array(width);
  const ends = new Int32Array(width);
  let tail = Buffer.alloc(0);
  let row: Buffer = tail;

  const wrongWidth = (src: Buffer, start: number): never => {
    let end = src.indexOf(LF, start);
    if (end === -1) end = src.length;
    let count = 1;
    for (let i = start; i < end; i += 1) if (src[i] === TAB) count += 1;
    throw new SyncError('COPY_FORMAT', `a COPY row has ${count} field(s) where ${width} were expected`);
  };

  const encodeRow = (src: Buffer, start: number, out: ByteOutput): number => {
    if (width === 0) wrongWidth(src, start);
    let i = start;
    for (let k = 0; k < width; k += 1) {
      starts[k] = i;
      let c = src[i];
      while (c !== TAB && c !== LF) c = src[++i];
      ends[k] = i;
      if ((c === LF) !== (k === width - 1)) wrongWidth(src, start);
      i += 1;
    }
    row = src;
    out.ensure(2 * (i - start) + fixedBytes + tail.length);
    out.bytes(head);
    for (let k = 0; k < count; k += 1) {
      if (k > 0) out.bytes(keys[k]);
      const s = starts[k];
      const e = ends[k];
      if (e - s === 2 && src[s] === BACKSLASH && src[s + 1] === UPPER_N) out.bytes(NULL);
      else writers[k](src, s, e, out);
    }
    out.bytes(tail);
    return i;
  };

  return {
    encodeRow,
    setTail(after) {
      tail = Buffer.from('}' + after + '\n');
    },
    isNull: (k) => ends[k] - starts[k] === 2 && row[starts[k]] === BACKSLASH && row[starts[k] + 1] === UPPER_N,
  };
}

/**
 * Field `k` of the COPY text row starting at `src[rowStart]` (which has at least k + 1 fields),
 * its escapes decoded (null for NULL).
 */
export function copyFieldAt(src: Buffer, rowStart: number, k: number): string | null {
  let start = rowStart;
  for (let n = 0; n < k; n += 1) start = src.indexOf(TAB, start) + 1;
  let end = start;
  while (src[end] !== TAB && src[end] !== LF && end < src.length) end += 1;
  return decodeCopyField(src.toString('utf8', start, end));
}
