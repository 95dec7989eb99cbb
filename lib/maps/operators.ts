/**
 * Python's operators and the built-in functions of stream-map expressions (md5, str, int, float,
 * bool) over lib/maps/values.ts. Integer arithmetic stays exact (bigint); anything with a float
 * is a double. A Python TypeError/ValueError becomes an ExpressionRuntimeError. Pure.
 */
import * as crypto from 'node:crypto';
import { DecimalText, ExpressionRuntimeError, pyStr, truthy, typeName, type Value } from './values';

export type BinaryOperator = '+' | '-' | '*' | '/' | '//' | '%' | '**';
export type CompareOperator = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in' | 'is' | 'is not';
export const FUNCTIONS = ['md5', 'str', 'int', 'float', 'bool'] as const;
export type FunctionName = (typeof FUNCTIONS)[number];

/** Node's one-shot hash (from 20.12; a third of createHash's cost), else a Hash object. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

function md5Hex(text: string): string {
  return oneShotHash ? oneShotHash('md5', text, 'hex') : crypto.createHash('md5').update(text, 'utf8').digest('hex');
}

/** Exponents beyond this are refused (as simpleeval does), so `9 ** 9 ** 9` cannot hang a sync. */
const MAX_POWER = 4_000_000n;

function fail(message: string): never {
  throw new ExpressionRuntimeError(message);
}

type Numeric = bigint | number;

/** The number in a value (bool counts as int), or undefined when it is not a number. */
function numeric(value: Value): Numeric | undefined {
  if (typeof value === 'bigint' || typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (value instanceof DecimalText) return Number(value.text);
  return undefined;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && a < 0n !== b < 0n) ? q - 1n : q;
}

function arithmetic(op: BinaryOperator, a: Numeric, b: Numeric): Value {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    if ((op === '/' || op === '//' || op === '%') && b === 0n) fail('division by zero');
    switch (op) {
      case '+': return a + b;
      case '-': return a - b;
      case '*': return a * b;
      case '/': return Number(a) / Number(b);
      case '//': return floorDiv(a, b);
      case '%': return a - floorDiv(a, b) * b;
      case '**':
        if (b < 0n) return Number(a) ** Number(b);
        if (b > MAX_POWER) fail(`exponent ${b} is too large`);
        return a ** b;
    }
  }
  const x = Number(a);
  const y = Number(b);
  if ((op === '/' || op === '//' || op === '%') && y === 0) fail('float division by zero');
  switch (op) {
    case '+': return x + y;
    case '-': return x - y;
    case '*': return x * y;
    case '/': return x / y;
    case '//': return Math.floor(x / y);
    case '%': return x - Math.floor(x / y) * y;
    case '**':
      if (Math.abs(y) > Number(MAX_POWER)) fail(`exponent ${y} is too large`);
      return x ** y;
  }
}

export function binary(op: BinaryOperator, left: Value, right: Value): Value {
  if (op === '+' && typeof left === 'string' && typeof right === 'string') return left + right;
  if (op === '+' && Array.isArray(left) && Array.isArray(right)) return [...left, ...right];
  if (op === '*' && typeof left === 'string' && typeof right === 'bigint') return right > 0n ? left.repeat(Number(right)) : '';
  if (op === '*' && typeof left === 'bigint' && typeof right === 'string') return left > 0n ? right.repeat(Number(left)) : '';
  const a = numeric(left);
  const b = numeric(right);
  if (a === undefined || b === undefined) fail(`unsupported operand type(s) for ${op}: '${typeName(left)}' and '${typeName(right)}'`);
  return arithmetic(op, a, b);
}

export function negate(value: Value, op: '-' | '+'): Value {
  const n = numeric(value);
  if (n === undefined) fail(`bad operand type for unary ${op}: '${typeName(value)}'`);
  return op === '+' ? n : -n;
}

function equal(a: Value, b: Value): boolean {
  const x = numeric(a);
  const y = numeric(b);
  if (x !== undefined && y !== undefined) return typeof x === typeof y ? x === y : Number(x) === Number(y);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => equal(v, b[i]));
  }
  if (a instanceof DecimalText || b instanceof DecimalText) return false;
  return a.size === b.size && [...a].every(([k, v]) => b.has(k) && equal(v, b.get(k) as Value));
}

function order(a: Value, b: Value, op: string): number {
  const x = numeric(a);
  const y = numeric(b);
  if (x !== undefined && y !== undefined) {
    if (typeof x === typeof y) return x < y ? -1 : x > y ? 1 : 0;
    return Number(x) < Number(y) ? -1 : Number(x) > Number(y) ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return fail(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

function contains(container: Value, item: Value): boolean {
  if (typeof container === 'string') {
    if (typeof item !== 'string') fail(`'in <string>' requires string as left operand, not ${typeName(item)}`);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((v) => equal(v, item));
  if (container instanceof Map) return typeof item === 'string' && container.has(item);
  return fail(`argument of type '${typeName(container)}' is not iterable`);
}

export function compare(op: CompareOperator, a: Value, b: Value): boolean {
  switch (op) {
    case '==': return equal(a, b);
    case '!=': return !equal(a, b);
    case '<': return order(a, b, op) < 0;
    case '<=': return order(a, b, op) <= 0;
    case '>': return order(a, b, op) > 0;
    case '>=': return order(a, b, op) >= 0;
    case 'in': return contains(b, a);
    case 'not in': return !contains(b, a);
    // Identity: only None, True and False are singletons worth asking about.
    case 'is': return a === b || (a === null && b === null);
    case 'is not': return !(a === b || (a === null && b === null));
  }
}

const INT_TEXT = /^\s*[+-]?\d+(_\d+)*\s*$/;
const FLOAT_TEXT = /^\s*[+-]?((\d+(_\d+)*)?\.?\d+(_\d+)*([eE][+-]?\d+)?|\d+\.|nan|inf|infinity)\s*$/i;

function toInt(value: Value): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'string') {
    if (!INT_TEXT.test(value)) fail(`invalid literal for int() with base 10: ${JSON.stringify(value)}`);
    return BigInt(value.trim().replace(/_/g, ''));
  }
  if (value instanceof DecimalText && !/[eE]/.test(value.text)) return BigInt(value.text.split('.')[0]);
  const n = value instanceof DecimalText ? Number(value.text) : value;
  if (typeof n !== 'number') fail(`int() argument must be a string or a number, not '${typeName(value)}'`);
  if (!Number.isFinite(n)) fail(`cannot convert float ${pyStr(n)} to integer`);
  return BigInt(Math.trunc(n));
}

function toFloat(value: Value): number {
  if (typeof value === 'string') {
    if (!FLOAT_TEXT.test(value)) fail(`could not convert string to float: ${JSON.stringify(value)}`);
    const text = value.trim().toLowerCase().replace(/_/g, '');
    if (text.endsWith('nan')) return NaN;
    if (text.endsWith('inf') || text.endsWith('infinity')) return text.startsWith('-') ? -Infinity : Infinity;
    return Number(text);
  }
  const n = numeric(value);
  if (n === undefined) fail(`float() argument must be a string or a number, not '${typeName(value)}'`);
  return Number(n);
}

/**
 * The built-ins. md5 hashes the UTF-8 text of its argument (str() of a non-string, as a
 * convenience) and keeps None as None, so a nullable column hashes without a guard.
 */
export function callFunction(name: FunctionName, arg: Value): Value {
  switch (name) {
    case 'md5':
      return arg === null ? null : md5Hex(typeof arg === 'string' ? arg : pyStr(arg));
    case 'str':
      return pyStr(arg);
    case 'int':
      return toInt(arg);
    case 'float':
      return toFloat(arg);
    case 'bool':
      return truthy(arg);
  }
}
