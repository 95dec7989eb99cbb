/**
 * Date and time converters: PostgreSQL's text (DateStyle 'ISO, YMD', TimeZone UTC) to JSON
 * strings, by slicing — no Date, no luxon, no regex per value. See convert.ts for the outputs.
 */
import type { ValueKind } from '../pg/types';
import type { ToJson } from './to-json';

type Warn = (reason: string) => void;

const DOT = 0x2e;
const PLUS = 0x2b;
const MINUS = 0x2d;
const LOWER_I = 0x69;
const UPPER_C = 0x43;
const ZERO = 0x30;
const NINE = 0x39;
/** Zeros that pad a fraction of n digits (n = index) to microseconds. */
const FRACTION_PAD = ['000000', '00000', '0000', '000', '00', '0', ''];

/** `infinity` / `-infinity` (the only texts that start with a letter or a minus sign). */
function isInfinity(text: string): boolean {
  const first = text.charCodeAt(0);
  return first === LOWER_I || first === MINUS;
}

/** Whether the text ends with PostgreSQL's ` BC` era suffix. */
function isBc(text: string): boolean {
  return text.charCodeAt(text.length - 1) === UPPER_C && text.charCodeAt(text.length - 3) === 0x20;
}

/**
 * The ECMAScript (ISO 8601 expanded) form of a PostgreSQL year: 4 digits for 0000-9999,
 * otherwise a sign and at least 6 digits. Astronomical numbering: 1 BC is year 0, 44 BC is -43.
 */
export function isoYear(digits: string, bc: boolean): string {
  if (!bc) return digits.length === 4 ? digits : '+' + digits.padStart(6, '0');
  const astronomical = Number(digits) - 1;
  return astronomical === 0 ? '0000' : '-' + String(astronomical).padStart(6, '0');
}

/** `+HH` → `+HH:MM`; `+HH:MM` and `+HH:MM:SS` stay. */
function isoOffset(text: string, start: number, end: number): string {
  const offset = text.slice(start, end);
  return end - start === 3 ? offset + ':00' : offset;
}

/** `YYYY-MM-DD` (any year width, optional ` BC`) → JSON string. */
export function dateConverter(warn: Warn): ToJson {
  return (text) => {
    if (text.length === 10) return '"' + text + '"';
    if (isInfinity(text)) {
      warn('infinity');
      return 'null';
    }
    const bc = isBc(text);
    const end = bc ? text.length - 3 : text.length;
    return '"' + isoYear(text.slice(0, end - 6), bc) + text.slice(end - 6, end) + '"';
  };
}

/**
 * `YYYY-MM-DD HH:MM:SS[.f…][±HH[:MM[:SS]]][ BC]` → `YYYY-MM-DDTHH:MM:SS.ffffff±HH:MM`.
 * Without a zone in the text (timestamp without time zone) the value is taken as UTC.
 */
export function timestampConverter(warn: Warn, withZone: boolean): ToJson {
  return (text) => {
    if (isInfinity(text)) {
      warn('infinity');
      return 'null';
    }
    const bc = isBc(text);
    const end = bc ? text.length - 3 : text.length;
    const space = text.indexOf(' ');
    const date = space === 10 && !bc ? text.slice(0, 10) : isoYear(text.slice(0, space - 6), bc) + text.slice(space - 6, space);
    let i = space + 9;
    let fraction = '.000000';
    if (text.charCodeAt(i) === DOT) {
      let j = i + 1;
      while (j < end) {
        const code = text.charCodeAt(j);
        if (code < ZERO || code > NINE) break;
        j += 1;
      }
      fraction = '.' + text.slice(i + 1, j) + FRACTION_PAD[j - i - 1];
      i = j;
    }
    const zone = withZone && i < end ? isoOffset(text, i, end) : '+00:00';
    return '"' + date + 'T' + text.slice(space + 1, space + 9) + fraction + zone + '"';
  };
}

/** time: PostgreSQL's `HH:MM:SS[.ffffff]` as is (including `24:00:00`). */
export function timeConverter(): ToJson {
  return (text) => '"' + text + '"';
}

/** timetz: `HH:MM:SS[.ffffff]±HH[:MM[:SS]]` → the time as is plus the offset as `±HH:MM[:SS]`. */
export function timetzConverter(): ToJson {
  return (text) => {
    let sign = 8;
    while (sign < text.length) {
      const code = text.charCodeAt(sign);
      if (code === PLUS || code === MINUS) break;
      sign += 1;
    }
    return '"' + text.slice(0, sign) + isoOffset(text, sign, text.length) + '"';
  };
}

const EXPANDED_YEAR = /^([+-])(\d{6,})(-\d\d-\d\d.*)$/;

/**
 * A date or timestamp bookmark in the form PostgreSQL's input reads. The converters above write
 * years outside 0001–9999 in the ECMAScript expanded form (`-000043-03-15`, `+010000-01-01T…`)
 * and 1 BC as year `0000`, none of which PostgreSQL accepts: they become `0044-03-15 BC`,
 * `10000-01-01T…` and `0001-… BC`. Other kinds and values are returned as they are.
 */
export function bookmarkInput(kind: ValueKind, value: string | number): string | number {
  if (typeof value !== 'string' || (kind !== 'date' && kind !== 'timestamp' && kind !== 'timestamptz')) return value;
  const expanded = EXPANDED_YEAR.exec(value);
  if (expanded) {
    const year = Number(expanded[2]);
    if (expanded[1] === '+') return String(year).padStart(4, '0') + expanded[3];
    return String(year + 1).padStart(4, '0') + expanded[3] + ' BC';
  }
  return value.startsWith('0000-') ? '0001' + value.slice(4) + ' BC' : value;
}
