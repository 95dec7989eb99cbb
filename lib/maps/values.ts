/**
 * The values stream-map expressions compute with, and Python's meaning of them (the Singer SDK
 * evaluates maps as Python): `int` is a bigint (any size), `float` a double, and a JSON number
 * with a fraction or exponent read from a record stays its own text (DecimalText, as a Python
 * tap's Decimal) until arithmetic needs a double — so a value copied or hashed keeps every digit.
 * Pure.
 */

/** A JSON number with a fraction or exponent, as written (e.g. a numeric column's `1.50`). */
export class DecimalText {
  constructor(readonly text: string) {}
}

export type Value = null | boolean | bigint | number | string | DecimalText | Value[] | ValueMap;
export type ValueMap = Map<string, Value>;

/** A runtime failure of an expression (Python would raise TypeError, ValueError, KeyError, …). */
export class ExpressionRuntimeError extends Error {}

export function typeName(value: Value): string {
  if (value === null) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number' || value instanceof DecimalText) return 'float';
  if (typeof value === 'string') return 'str';
  return Array.isArray(value) ? 'list' : 'dict';
}

/** A value from parsed JSON (stream_map_config): whole numbers are ints. */
export function fromPlain(value: unknown): Value {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(fromPlain);
  return new Map(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, fromPlain(v)]));
}

// --- JSON text → Value, numbers kept exact -------------------------------------------------

/** Decodes one JSON value's text (a record field's raw text). */
export function decodeJson(text: string): Value {
  const reader = { text, at: 0 };
  const value = readValue(reader);
  return value;
}

interface Reader {
  text: string;
  at: number;
}

function skipSpace(r: Reader): void {
  while (r.at < r.text.length && ' \t\n\r'.includes(r.text[r.at])) r.at += 1;
}

/** A literal or a number at the reader's position (sticky: no copy of the rest of the text). */
const SCALAR = /true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?/y;

function readValue(r: Reader): Value {
  skipSpace(r);
  const c = r.text[r.at];
  if (c === '"') {
    let end = r.at + 1;
    while (r.text[end] !== '"') end += r.text[end] === '\\' ? 2 : 1;
    const value = JSON.parse(r.text.slice(r.at, end + 1)) as string;
    r.at = end + 1;
    return value;
  }
  if (c === '{' || c === '[') return readContainer(r, c);
  SCALAR.lastIndex = r.at;
  const match = SCALAR.exec(r.text);
  if (!match) throw new ExpressionRuntimeError(`not JSON: ${r.text.slice(r.at, r.at + 20)}`);
  r.at += match[0].length;
  if (match[0] === 'true') return true;
  if (match[0] === 'false') return false;
  if (match[0] === 'null') return null;
  return match[1] === undefined && match[2] === undefined ? BigInt(match[0]) : new DecimalText(match[0]);
}

function readContainer(r: Reader, open: string): Value {
  r.at += 1;
  const close = open === '{' ? '}' : ']';
  const list: Value[] = [];
  const map: ValueMap = new Map();
  skipSpace(r);
  if (r.text[r.at] === close) {
    r.at += 1;
    return open === '{' ? map : list;
  }
  for (;;) {
    if (open === '{') {
      const key = readValue(r) as string;
      skipSpace(r);
      r.at += 1; // ':'
      map.set(key, readValue(r));
    } else {
      list.push(readValue(r));
    }
    skipSpace(r);
    const next = r.text[r.at];
    r.at += 1;
    if (next === close) return open === '{' ? map : list;
  }
}

// --- Value → JSON text ---------------------------------------------------------------------

export function toJsonText(value: Value): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  // NaN and the infinities have no JSON form.
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (value instanceof DecimalText) return value.text;
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return '[' + value.map(toJsonText).join(',') + ']';
  return '{' + [...value].map(([k, v]) => JSON.stringify(k) + ':' + toJsonText(v)).join(',') + '}';
}

// --- Python's str(), repr() and truth ------------------------------------------------------

/** Python's repr of a float: shortest digits, exponent form below 1e-4 and from 1e16. */
export function floatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa, exp] = value.toExponential().split('e');
  const exponent = Number(exp);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  let text: string;
  if (exponent < -4 || exponent >= 16) {
    const body = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    text = `${body}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  } else if (exponent < 0) {
    text = `0.${'0'.repeat(-exponent - 1)}${digits}`;
  } else if (digits.length > exponent + 1) {
    text = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  } else {
    text = `${digits}${'0'.repeat(exponent + 1 - digits.length)}.0`;
  }
  return negative ? `-${text}` : text;
}

function stringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text.replace(/[\\\n\r\t]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] as string);
  return quote + (quote === "'" ? escaped.replace(/'/g, "\\'") : escaped) + quote;
}

function repr(value: Value): string {
  if (typeof value === 'string') return stringRepr(value);
  if (value instanceof DecimalText) return `Decimal('${value.text}')`;
  return pyStr(value);
}

/** Python's str(value). */
export function pyStr(value: Value): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return floatRepr(value);
  if (value instanceof DecimalText) return value.text;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return '[' + value.map(repr).join(', ') + ']';
  return '{' + [...value].map(([k, v]) => `${stringRepr(k)}: ${repr(v)}`).join(', ') + '}';
}

/** Python's truth value. */
export function truthy(value: Value): boolean {
  if (value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'number') return value !== 0;
  if (value instanceof DecimalText) return Number(value.text) !== 0;
  if (typeof value === 'string' || Array.isArray(value)) return value.length > 0;
  return value.size > 0;
}
