/**
 * The byte path of the RECORD encoder: COPY text rows (UTF-8 bytes, each in its CopyData
 * message) → whole RECORD lines, written into a ByteOutput without building a string per field or per row. The keys, the message
 * prefix and each column's byte writer are chosen once per stream; each field is written by its
 * column's writer (byte-writers.ts), which also finds where the field ends, so a row's bytes are
 * read once (a row of the wrong width is found at its end, and its partial line dropped). Each
 * value is byte-for-byte what its column's string converter (convert.ts) writes for the decoded
 * field (tests/integration/fast-path.test.ts compares the lines with a string-built reference on
 * every fixture value).
 */
import { SyncError } from '../errors';
import type { ColumnType } from '../pg/types';
import type { ByteOutput } from './byte-output';
import { byteWriter, fieldEnd, type ByteWriter } from './byte-writers';
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
  /** A field whose NULLs are counted (`nulls`), e.g. the resume position; -1 for none. */
  nullField?: number;
}

export interface RecordBytesEncoder {
  /**
   * Writes the RECORD lines of the rows in `src[start, end)`, whole CopyData messages as the
   * protocol frames them (lib/db/copy-out.ts; one text row each, ending with LF), at most
   * `maxRows` rows, and returns the index after the last message taken. A synchronous loop, so
   * the per-row work never runs inside an async function's state machine.
   */
  encodeRows(src: Buffer, start: number, end: number, out: ByteOutput, maxRows: number): number;
  /** Rows written since the encoder was made (a row counts once all its bytes are in `out`). */
  readonly rows: number;
  /** Rows written so far whose field `nullField` was NULL (0 without `nullField`). */
  readonly nulls: number;
  /** Where the payload of the last row written starts in its `src` (-1 before any). */
  readonly lastRowStart: number;
  /** Sets the text after the record object's closing brace (the format's tail, without the LF). */
  setTail(after: string): void;
}

const TAB = 0x09;
const LF = 0x0a;
const BACKSLASH = 0x5c;
const DOT = 0x2e;
const UPPER_N = 0x4e;
/** A CopyData message: type byte `d` and a 4-byte length, then the payload (one text row). */
const HEADER = 5;
/** The whole message of the old servers' end marker `\\.` + LF. */
const END_MARKER_TOTAL = HEADER + 3;
const NULL = Buffer.from('null');

export function recordBytesEncoder(columns: ReadonlyArray<ByteColumn>, options: RecordBytesOptions): RecordBytesEncoder {
  return new Encoder(columns, options);
}

/** A class, not closures: its optimized code does not depend on which instance runs it. */
class Encoder implements RecordBytesEncoder {
  rows = 0;
  nulls = 0;
  lastRowStart = -1;
  private readonly count: number;
  private readonly width: number;
  private readonly nullField: number;
  private readonly head: Buffer;
  private readonly keys: Buffer[];
  private readonly writers: ByteWriter[];
  private readonly fixedBytes: number;
  private tail = Buffer.alloc(0);

  constructor(columns: ReadonlyArray<ByteColumn>, options: RecordBytesOptions) {
    this.count = columns.length;
    this.width = this.count + options.extraFields;
    this.nullField = options.nullField ?? -1;
    this.head = Buffer.from(options.prefix + '{' + (this.count > 0 ? jsonString(columns[0].name) + ':' : ''));
    this.keys = columns.map((column) => Buffer.from(',' + jsonString(column.name) + ':'));
    this.writers = columns.map((column) => byteWriter(column.type, column.toJson, options.jsonAsObject));
    this.fixedBytes = this.head.length + this.keys.reduce((sum, key) => sum + key.length, 0) + 16 * this.width;
  }

  setTail(after: string): void {
    this.tail = Buffer.from('}' + after + '\n');
  }

  encodeRows(src: Buffer, start: number, end: number, out: ByteOutput, maxRows: number): number {
    let i = start;
    for (let n = 0; n < maxRows && i < end; n += 1) {
      const total = 1 + src.readUInt32BE(i + 1);
      const row = i + HEADER;
      if (total === END_MARKER_TOTAL && src[row] === BACKSLASH && src[row + 1] === DOT) {
        i += total; // the end marker of old servers, not a row
        n -= 1;
        continue;
      }
      // The row ends with the LF that ends its message (which also bounds every field's scan).
      if (src[i + total - 1] !== LF) throw notOneRow();
      this.encodeRow(src, row, i + total - 1, out);
      this.lastRowStart = row;
      i += total;
    }
    return i;
  }

  /** Writes the RECORD line of the row `src[start, lf]`; nothing of it stays in `out` when it fails. */
  private encodeRow(src: Buffer, start: number, lf: number, out: ByteOutput): void {
    const { width, count, writers, keys, nullField } = this;
    if (width === 0) wrongWidth(src, start, width);
    out.ensure(2 * (lf + 1 - start) + this.fixedBytes + this.tail.length);
    const mark = out.pos;
    out.bytes(this.head);
    let i = start;
    for (let k = 0; k < width; k += 1) {
      if (k > 0 && k < count) out.bytes(keys[k]);
      const isNull = src[i] === BACKSLASH && src[i + 1] === UPPER_N && (src[i + 2] === TAB || src[i + 2] === LF);
      if (isNull) {
        if (k < count) out.bytes(NULL);
        if (k === nullField) this.nulls += 1;
        i += 2;
      } else if (k < count) {
        i = writers[k](src, i, out);
      } else {
        i = fieldEnd(src, i);
      }
      // Each field but the last ends with a TAB, the last with the row's LF.
      if ((i === lf) !== (k === width - 1)) {
        out.pos = mark;
        wrongWidth(src, start, width);
      }
      i += 1;
    }
    out.bytes(this.tail);
    this.rows += 1;
  }
}

function notOneRow(): SyncError {
  return new SyncError('COPY_FORMAT', 'a COPY message does not hold one row ending with a line feed');
}

function wrongWidth(src: Buffer, start: number, width: number): never {
  let end = src.indexOf(LF, start);
  if (end === -1) end = src.length;
  let count = 1;
  for (let i = start; i < end; i += 1) if (src[i] === TAB) count += 1;
  throw new SyncError('COPY_FORMAT', `a COPY row has ${count} field(s) where ${width} were expected`);
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
