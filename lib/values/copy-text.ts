/**
 * COPY … TO STDOUT text format decoding: bytes → lines → fields.
 *
 * Why hand-written: the maintained packages for COPY (pg-copy-streams, pg-copy-streams-binary)
 * only move raw bytes or decode the binary format for node-postgres; generic TSV/CSV parsers do
 * not know COPY's backslash escapes or `\N`, and all of them allocate an object per row. This
 * is ~100 lines, follows the "Text Format" section of the COPY documentation, and fills a
 * caller-owned array so a row costs no allocation beyond its field strings.
 *
 * Format: rows end with LF; fields are separated by TAB; `\N` is NULL; inside a field a
 * backslash escapes: `\b \f \n \r \t \v \\`, octal `\NNN` (1-3 digits), hex `\xHH` (1-2 digits),
 * and any other character stands for itself. A raw TAB or LF never appears inside a field, so
 * splitting on them before unescaping is exact. (Octal/hex escapes are only produced by other
 * writers, never by the server; they are decoded to the code point of that number.)
 */
import { SyncError } from '../errors';

const TAB = '\t';
const BACKSLASH = 0x5c;
const LF = 0x0a;

/**
 * Splits one COPY text line (without its LF) into `into[0..n)`: a string per field, null for
 * `\N`. Returns n. When `expectedWidth` is given and the line has another number of fields, throws
 * a SyncError (the stream is not what the query promised).
 */
export function splitCopyLine(line: string, into: Array<string | null>, expectedWidth?: number): number {
  let backslash = line.indexOf('\\');
  let count = 0;
  let start = 0;
  for (;;) {
    let end = line.indexOf(TAB, start);
    if (end === -1) end = line.length;
    if (backslash === -1 || backslash >= end) {
      into[count] = line.slice(start, end);
    } else {
      into[count] = decodeField(line, backslash, start, end);
      backslash = line.indexOf('\\', end);
    }
    count += 1;
    if (end === line.length) break;
    start = end + 1;
  }
  if (expectedWidth !== undefined && count !== expectedWidth) {
    throw new SyncError('COPY_FORMAT', `a COPY row has ${count} field(s) where ${expectedWidth} were expected`);
  }
  return count;
}

/** One field's COPY text (no TAB or LF in it) with its escapes decoded; null for `\N`. */
export function decodeCopyField(text: string): string | null {
  const backslash = text.indexOf('\\');
  return backslash === -1 ? text : decodeField(text, backslash, 0, text.length);
}

const SIMPLE_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function isOctal(code: number): boolean {
  return code >= 0x30 && code <= 0x37;
}

function isHex(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

/** One field's text (its first backslash at `firstBackslash`) with escapes decoded; null for `\N`. */
function decodeField(line: string, firstBackslash: number, start: number, end: number): string | null {
  let i = firstBackslash;
  if (i === start && end - start === 2 && line.charCodeAt(start + 1) === 0x4e) return null; // \N
  let out = '';
  let segment = start;
  while (i !== -1 && i < end) {
    out += line.slice(segment, i);
    const next = line.charAt(i + 1);
    const code = line.charCodeAt(i + 1);
    let after = i + 2;
    if (isOctal(code)) {
      while (after < end && after < i + 4 && isOctal(line.charCodeAt(after))) after += 1;
      out += String.fromCharCode(parseInt(line.slice(i + 1, after), 8));
    } else if (next === 'x' && isHex(line.charCodeAt(i + 2))) {
      after = i + 3;
      if (after < end && isHex(line.charCodeAt(after))) after += 1;
      out += String.fromCharCode(parseInt(line.slice(i + 2, after), 16));
    } else {
      out += SIMPLE_ESCAPES[next] ?? next;
    }
    segment = after;
    i = line.indexOf('\\', after);
  }
  return out + line.slice(segment, end);
}

/**
 * Reads COPY output (any chunking) and yields batches of complete lines, decoded as UTF-8. A
 * chunk is cut after its last LF; the tail (possibly half a line, half an escape or half a
 * multi-byte character) waits for the next chunk, so decoding only ever sees whole lines. One
 * batch per chunk keeps the per-line await cost away. The `\.` end marker, if any, is dropped.
 */
export async function* copyLines(chunks: AsyncIterable<Buffer | Uint8Array>): AsyncGenerator<string[]> {
  let pending: Buffer[] = [];
  for await (const raw of chunks) {
    const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    const lastLf = chunk.lastIndexOf(LF);
    if (lastLf === -1) {
      if (chunk.length > 0) pending.push(chunk);
      continue;
    }
    let text: string;
    if (pending.length === 0) {
      text = chunk.toString('utf8', 0, lastLf);
    } else {
      pending.push(chunk.subarray(0, lastLf));
      text = Buffer.concat(pending).toString('utf8');
    }
    pending = lastLf + 1 < chunk.length ? [chunk.subarray(lastLf + 1)] : [];
    yield withoutEndMarker(text.split('\n'));
  }
  if (pending.length > 0) {
    const tail = Buffer.concat(pending).toString('utf8');
    if (tail !== '\\.') yield [tail];
  }
}

function withoutEndMarker(lines: string[]): string[] {
  if (lines[lines.length - 1] === '\\.') lines.pop();
  return lines;
}
