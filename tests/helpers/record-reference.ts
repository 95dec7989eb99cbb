/**
 * The reference the COPY reader's byte path is checked against: COPY text decoded to strings
 * (lines, then fields with their escapes decoded), each value through its column's string
 * converter (lib/values/convert.ts), and the record object assembled as text. Slow and simple on
 * purpose: it shares nothing with lib/values/record-bytes.ts and byte-writers.ts but the
 * per-field escape decoding (decodeCopyField) and the converters.
 */
import { SyncError } from '../../lib/errors';
import { decodeCopyField } from '../../lib/values/copy-text';
import { jsonString } from '../../lib/values/json-text';
import type { ToJson } from '../../lib/values/to-json';

const LF = 0x0a;

/**
 * Splits one COPY text line (without its LF) into `into[0..n)`: a string per field, null for
 * `\N`. Returns n. When `expectedWidth` is given and the line has another number of fields,
 * throws a SyncError.
 */
export function splitCopyLine(line: string, into: Array<string | null>, expectedWidth?: number): number {
  const parts = line.split('\t');
  parts.forEach((part, i) => {
    into[i] = decodeCopyField(part);
  });
  if (expectedWidth !== undefined && parts.length !== expectedWidth) {
    throw new SyncError('COPY_FORMAT', `a COPY row has ${parts.length} field(s) where ${expectedWidth} were expected`);
  }
  return parts.length;
}

/**
 * Reads COPY output (any chunking) and yields batches of complete lines, decoded as UTF-8 only
 * once whole (a chunk may end inside a line, an escape or a multi-byte character). The `\.`
 * end marker, if any, is dropped.
 */
export async function* copyLines(chunks: AsyncIterable<Buffer | Uint8Array>): AsyncGenerator<string[]> {
  let pending: Buffer[] = [];
  for await (const raw of chunks) {
    const chunk = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    const lastLf = chunk.lastIndexOf(LF);
    if (lastLf === -1) {
      if (chunk.length > 0) pending.push(Buffer.from(chunk));
      continue;
    }
    pending.push(chunk.subarray(0, lastLf));
    const text = Buffer.concat(pending).toString('utf8');
    pending = lastLf + 1 < chunk.length ? [Buffer.from(chunk.subarray(lastLf + 1))] : [];
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '\\.') lines.pop();
    yield lines;
  }
  if (pending.length > 0) {
    const tail = Buffer.concat(pending).toString('utf8');
    if (tail !== '\\.') yield [tail];
  }
}

export interface EncodedColumn {
  name: string;
  toJson: ToJson;
}

/** A row's fields → the record object's JSON text: `{"key":value,…}`, SQL NULL as `null`. */
export function recordEncoder(columns: ReadonlyArray<EncodedColumn>): (fields: ReadonlyArray<string | null>) => string {
  return (fields) =>
    '{' +
    columns
      .map((column, i) => {
        const field = fields[i];
        return jsonString(column.name) + ':' + (field === null || field === undefined ? 'null' : column.toJson(field));
      })
      .join(',') +
    '}';
}
