/**
 * Per-column byte writers: one non-NULL COPY text field (from `src[start]`, still COPY-escaped,
 * UTF-8, ended by the TAB or LF after it) → its JSON, written straight into a ByteOutput; each
 * returns where the field ends (the index of that TAB or LF). The writers of numbers and text
 * find the end as they copy, so those bytes are read once. Each handles the common forms of its
 * type by copying bytes and hands anything else (escapes, characters JSON must escape, BC
 * years, infinity, NULL array elements, …) to the column's string converter (convert.ts), so
 * the output is always byte-for-byte what the string converter writes. Room for 2 × the field
 * + 16 bytes must be ensured by the caller; the fallback makes its own room.
 */
import { isUtf8 } from 'node:buffer';
import type { ColumnType } from '../pg/types';
import type { ByteOutput } from './byte-output';
import { decodeCopyField } from './copy-text';
import type { ToJson } from './to-json';

export type ByteWriter = (src: Buffer, start: number, out: ByteOutput) => number;

const TAB = 0x09;
const LF = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;
const DOT = 0x2e;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const UPPER_C = 0x43;
const UPPER_I = 0x49;
const UPPER_N = 0x4e;
const LOWER_T = 0x74;
const UPPER_T = 0x54;
const LOWER_X = 0x78;
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const UTC = Buffer.from('+00:00');
const NO_FRACTION = Buffer.from('.000000');

/** Bytes a JSON string cannot hold as they are, or COPY escapes (control characters, `"`, `\`). */
const NEEDS_ESCAPE = new Uint8Array(256);
for (let c = 0; c < 0x20; c += 1) NEEDS_ESCAPE[c] = 1;
NEEDS_ESCAPE[QUOTE] = 1;
NEEDS_ESCAPE[BACKSLASH] = 1;
for (let c = 0x80; c < 0x100; c += 1) NEEDS_ESCAPE[c] = 2;

const HEX_DIGIT = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX_DIGIT[c.charCodeAt(0)] = 1;

/** Characters of unquoted numeric array elements and structure: digits, sign, point, exponent. */
const NUMERIC_ARRAY_BYTE = new Uint8Array(256);
for (const c of '0123456789-+.eE,') NUMERIC_ARRAY_BYTE[c.charCodeAt(0)] = 1;

/** The index of the TAB or LF that ends the field starting at `start`. */
export function fieldEnd(src: Buffer, start: number): number {
  let i = start;
  let c = src[i];
  while (c !== TAB && c !== LF) c = src[++i];
  return i;
}

/** The string converter's output for a field the byte writers do not take. */
export function fallbackWriter(toJson: ToJson): ByteWriter {
  return (src, start, out) => {
    const end = fieldEnd(src, start);
    const text = decodeCopyField(src.toString('utf8', start, end));
    out.text(text === null ? 'null' : toJson(text));
    return end;
  };
}

/** Numbers printed by the server are JSON as they are (integers). */
const rawWriter: ByteWriter = (src, start, out) => {
  const buf = out.buf;
  let pos = out.pos;
  let i = start;
  let c = src[i];
  while (c !== TAB && c !== LF) {
    buf[pos++] = c;
    c = src[++i];
  }
  out.pos = pos;
  return i;
};

/** numeric/real/double: NaN and ±Infinity go to the string converter (null and a warning). */
function decimalWriter(fallback: ByteWriter): ByteWriter {
  return (src, start, out) => {
    const first = src[start];
    if (first === UPPER_N || first === UPPER_I || (first === MINUS && src[start + 1] === UPPER_I)) return fallback(src, start, out);
    return rawWriter(src, start, out);
  };
}

const booleanWriter: ByteWriter = (src, start, out) => {
  out.bytes(src[start] === LOWER_T ? TRUE : FALSE);
  return fieldEnd(src, start);
};

const bit1Writer: ByteWriter = (src, start, out) => {
  const end = fieldEnd(src, start);
  out.bytes(end - start === 1 && src[start] === 0x31 ? TRUE : FALSE);
  return end;
};

/**
 * COPY escapes whose two bytes are also JSON.stringify's escape of the decoded character:
 * `\\`, `\b`, `\f`, `\n`, `\r`, `\t` (not `\v`: JSON writes `\u000b`).
 */
const SAME_ESCAPE = new Uint8Array(256);
for (const c of '\\bfnrt') SAME_ESCAPE[c.charCodeAt(0)] = 1;

/**
 * `"` + the bytes + `"` when no byte needs a JSON or COPY escape and any non-ASCII bytes are
 * valid UTF-8 (then JSON.stringify of the decoded text is exactly these bytes); else fallback.
 * With `jsonEscapes` (columns whose string converter is JSON.stringify) a `"` is written `\"`
 * and the COPY escapes JSON shares are copied as they are.
 */
function quotedWriter(fallback: ByteWriter, jsonEscapes: boolean): ByteWriter {
  return (src, start, out) => {
    const buf = out.buf;
    let pos = out.pos;
    let nonAscii = false;
    buf[pos++] = QUOTE;
    let i = start;
    for (;; i += 1) {
      const c = src[i];
      const kind = NEEDS_ESCAPE[c];
      if (kind !== 0) {
        if (kind === 2) nonAscii = true;
        else if (c === TAB || c === LF) break;
        else if (!jsonEscapes) return fallback(src, start, out);
        else if (c === QUOTE) buf[pos++] = BACKSLASH;
        else if (c === BACKSLASH && SAME_ESCAPE[src[i + 1]] === 1) {
          buf[pos++] = BACKSLASH;
          buf[pos++] = src[++i];
          continue;
        } else return fallback(src, start, out);
      }
      buf[pos++] = c;
    }
    if (nonAscii && !isUtf8(src.subarray(start, i))) return fallback(src, start, out);
    buf[pos++] = QUOTE;
    out.pos = pos;
    return i;
  };
}

/** date: `YYYY-MM-DD` quoted; other widths (BC, year > 9999, infinity) to the fallback. */
function dateWriter(fallback: ByteWriter): ByteWriter {
  return (src, start, out) => {
    const end = fieldEnd(src, start);
    if (end - start !== 10) return fallback(src, start, out);
    const buf = out.buf;
    buf[out.pos++] = QUOTE;
    out.range(src, start, end);
    buf[out.pos++] = QUOTE;
    return end;
  };
}

/**
 * timestamp[tz]: `YYYY-MM-DD HH:MM:SS[.f…][±HH[:MM[:SS]]]` → `"YYYY-MM-DDTHH:MM:SS.ffffff±HH:MM"`
 * (no zone in the text: `+00:00`), as datetime.ts does; 4-digit AD years only.
 */
function timestampWriter(fallback: ByteWriter, withZone: boolean): ByteWriter {
  return (src, start, out) => {
    const end = fieldEnd(src, start);
    const first = src[start];
    if (end - start < 19 || src[start + 10] !== SPACE || first < ZERO || first > NINE || src[end - 1] === UPPER_C) {
      return fallback(src, start, out);
    }
    const buf = out.buf;
    let pos = out.pos;
    buf[pos++] = QUOTE;
    for (let i = start; i < start + 10; i += 1) buf[pos++] = src[i];
    buf[pos++] = UPPER_T;
    for (let i = start + 11; i < start + 19; i += 1) buf[pos++] = src[i];
    let i = start + 19;
    if (i < end && src[i] === DOT) {
      buf[pos++] = DOT;
      i += 1;
      let digits = 0;
      while (i < end && src[i] >= ZERO && src[i] <= NINE) {
        buf[pos++] = src[i++];
        digits += 1;
      }
      if (digits > 6) return fallback(src, start, out);
      for (; digits < 6; digits += 1) buf[pos++] = ZERO;
    } else {
      buf.set(NO_FRACTION, pos);
      pos += 7;
    }
    if (withZone && i < end) {
      const zoneLength = end - i;
      while (i < end) buf[pos++] = src[i++];
      if (zoneLength === 3) {
        buf[pos++] = 0x3a;
        buf[pos++] = ZERO;
        buf[pos++] = ZERO;
      }
    } else {
      buf.set(UTC, pos);
      pos += 6;
    }
    buf[pos++] = QUOTE;
    out.pos = pos;
    return end;
  };
}

/** bytea hex output (`\x…`, its backslash doubled by COPY) → the hex digits quoted. */
function byteaWriter(fallback: ByteWriter): ByteWriter {
  return (src, start, out) => {
    if (src[start] !== BACKSLASH || src[start + 1] !== BACKSLASH || src[start + 2] !== LOWER_X) return fallback(src, start, out);
    const buf = out.buf;
    let pos = out.pos;
    buf[pos++] = QUOTE;
    let i = start + 3;
    for (let c = src[i]; c !== TAB && c !== LF; c = src[++i]) {
      if (HEX_DIGIT[c] !== 1) return fallback(src, start, out);
      buf[pos++] = c;
    }
    buf[pos++] = QUOTE;
    out.pos = pos;
    return i;
  };
}

/**
 * Arrays of numbers with the `,` delimiter: `{1,{2,-3}}` → `[1,[2,-3]]`. NULL elements, NaN,
 * Infinity, quotes and bounds prefixes go to the fallback.
 */
function numericArrayWriter(fallback: ByteWriter): ByteWriter {
  return (src, start, out) => {
    const buf = out.buf;
    let pos = out.pos;
    let i = start;
    for (let c = src[i]; c !== TAB && c !== LF; c = src[++i]) {
      if (c === 0x7b) buf[pos++] = 0x5b;
      else if (c === 0x7d) buf[pos++] = 0x5d;
      else if (NUMERIC_ARRAY_BYTE[c] === 1) buf[pos++] = c;
      else return fallback(src, start, out);
    }
    out.pos = pos;
    return i;
  };
}

/** The writer for a column, given its string converter (used for everything unusual). */
export function byteWriter(type: ColumnType, toJson: ToJson, jsonAsObject: boolean): ByteWriter {
  const fallback = fallbackWriter(toJson);
  if (type.isArray) {
    const numeric = ['smallint', 'integer', 'bigint', 'numeric', 'real', 'double'].includes(type.kind);
    return numeric && type.delimiter === ',' ? numericArrayWriter(fallback) : fallback;
  }
  switch (type.kind) {
    case 'smallint':
    case 'integer':
    case 'bigint':
      return rawWriter;
    case 'numeric':
    case 'real':
    case 'double':
      return decimalWriter(fallback);
    case 'boolean':
      return booleanWriter;
    case 'bit1':
      return bit1Writer;
    case 'string':
      return quotedWriter(fallback, true);
    case 'time':
    case 'interval':
      return quotedWriter(fallback, false);
    case 'json':
    case 'jsonb':
      return jsonAsObject ? fallback : quotedWriter(fallback, true);
    case 'date':
      return dateWriter(fallback);
    case 'timestamp':
      return timestampWriter(fallback, false);
    case 'timestamptz':
      return timestampWriter(fallback, true);
    case 'bytea':
      return byteaWriter(fallback);
    default:
      return fallback;
  }
}
