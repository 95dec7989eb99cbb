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

/** Each line (a text row with its LF) as the CopyData message the server sends it in, joined. */
export function copyDataMessages(lines: readonly string[]): Buffer {
  return Buffer.concat(
    lines.map((line) => {
      const payload = Buffer.from(line, 'utf8');
      const header = Buffer.from([0x64, 0, 0, 0, 0]);
      header.writeUInt32BE(payload.length + 4, 1);
      return Buffer.concat([header, payload]);
    }),
  );
}

/** The payloads of the whole CopyData messages `src[start, end)`, as UTF-8; throws on anything else. */
export function copyDataPayloads(src: Buffer, start = 0, end = src.length): string[] {
  const payloads: string[] = [];
  for (let i = start; i < end; ) {
    const total = src[i] === 0x64 && i + 5 <= end ? 1 + src.readUInt32BE(i + 1) : Infinity;
    if (i + total > end) throw new Error(`no whole CopyData message at byte ${i} of [${start}, ${end})`);
    payloads.push(src.toString('utf8', i + 5, i + total));
    i += total;
  }
  return payloads;
}

/**
 * Reads COPY output in batches of whole CopyData messages (lib/db/copy-out.ts) and yields each
 * batch's rows as lines (the payload without its LF). The `\.` end marker, if any, is dropped.
 */
export async function* copyLines(batches: AsyncIterable<Buffer | Uint8Array>): AsyncGenerator<string[]> {
  for await (const raw of batches) {
    const payloads = copyDataPayloads(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
    if (payloads.some((payload) => !payload.endsWith('\n'))) throw new Error('a CopyData message without a row ending with LF');
    yield payloads.map((payload) => payload.slice(0, -1)).filter((line) => line !== '\\.');
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
