/**
 * The expression language of stream maps: the subset of the Python expressions the Singer SDK
 * evaluates (with simpleeval) that this tap supports — record field names, `record['x']` and
 * `_['x']`, `config['k']` (stream_map_config), `self`, literals (numbers, strings, True, False,
 * None), `+ - * / // % **`, comparisons (`== != < <= > >= in not in is is not`, chained as in
 * Python), `and`/`or`/`not`, `a if c else b`, and the functions md5, str, int, float and bool.
 * Anything else (methods, attributes, other functions, lists, lambdas, …) is refused when the
 * expression is parsed, naming what is not supported. A tokenizer and a recursive-descent
 * parser; no eval. Pure.
 */
import { FUNCTIONS, type BinaryOperator, type CompareOperator, type FunctionName } from './operators';
import type { Value } from './values';

export type Expr =
  | { kind: 'literal'; value: Value }
  | { kind: 'name'; name: string }
  | { kind: 'index'; target: Expr; key: Expr }
  | { kind: 'call'; fn: FunctionName; arg: Expr }
  | { kind: 'unary'; op: '-' | '+' | 'not'; arg: Expr }
  | { kind: 'binary'; op: BinaryOperator; left: Expr; right: Expr }
  | { kind: 'logical'; op: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'compare'; ops: CompareOperator[]; operands: Expr[] }
  | { kind: 'conditional'; test: Expr; then: Expr; otherwise: Expr };

/** Names that are not record fields: the record itself, its short alias, the map config, the property's own value. */
export const RESERVED_NAMES = ['record', '_', 'config', 'self'] as const;

/** An expression the language does not accept; the message names what. */
export class ExpressionSyntaxError extends Error {}

type TokenKind = 'number' | 'string' | 'name' | 'op' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  /** The decoded value of number and string tokens. */
  value?: Value;
}

const OPERATORS = ['**', '//', '==', '!=', '<=', '>=', '+', '-', '*', '/', '%', '<', '>', '(', ')', '[', ']', ',', '.'];
const NUMBER = /^(\d+(_\d+)*)?(\.\d+(_\d+)*)?([eE][+-]?\d+)?/;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v', '\n': '' };

function readString(source: string, start: number): { end: number; text: string } {
  const quote = source[start];
  let i = start + 1;
  let text = '';
  while (i < source.length && source[i] !== quote) {
    if (source[i] === '\\') {
      const next = source[i + 1];
      if (next === 'x' || next === 'u') {
        const length = next === 'x' ? 2 : 4;
        const hex = source.slice(i + 2, i + 2 + length);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== length) throw new ExpressionSyntaxError(`bad escape \\${next}${hex} in a string`);
        text += String.fromCharCode(parseInt(hex, 16));
        i += 2 + length;
        continue;
      }
      text += next in ESCAPES ? ESCAPES[next] : '\\' + next;
      i += 2;
      continue;
    }
    text += source[i];
    i += 1;
  }
  if (i >= source.length) throw new ExpressionSyntaxError('a string is not closed');
  return { end: i + 1, text };
}

/** Python keywords the language does not have, for clear messages. */
const UNSUPPORTED_KEYWORDS = new Set(['lambda', 'for', 'while', 'import', 'def', 'class', 'yield', 'await', 'async', 'del', 'global', 'return', 'with', 'as', 'from', 'pass', 'raise', 'try', 'except', 'assert', 'elif']);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i += 1;
    } else if (c === "'" || c === '"') {
      if (source.startsWith(c.repeat(3), i)) throw new ExpressionSyntaxError('triple-quoted strings are not supported');
      const { end, text } = readString(source, i);
      tokens.push({ kind: 'string', text: source.slice(i, end), value: text });
      i = end;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(source[i + 1] ?? ''))) {
      const text = NUMBER.exec(source.slice(i))?.[0] ?? '';
      if (/^[A-Za-z_]/.test(source[i + text.length] ?? '')) throw new ExpressionSyntaxError(`bad number ${source.slice(i).split(/\s/)[0]}`);
      const plain = text.replace(/_/g, '');
      const isInt = !/[.eE]/.test(plain);
      if (isInt && /^0\d/.test(plain) && /[1-9]/.test(plain)) throw new ExpressionSyntaxError(`bad number ${text} (leading zeros)`);
      tokens.push({ kind: 'number', text, value: isInt ? BigInt(plain) : Number(plain) });
      i += text.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const text = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i))?.[0] as string;
      if ((source[i + text.length] === "'" || source[i + text.length] === '"') && /^[rRbBfFuU]{1,2}$/.test(text)) {
        throw new ExpressionSyntaxError(`string prefix ${text} is not supported`);
      }
      if (UNSUPPORTED_KEYWORDS.has(text)) throw new ExpressionSyntaxError(`${text} is not supported`);
      tokens.push({ kind: 'name', text });
      i += text.length;
    } else {
      const op = OPERATORS.find((o) => source.startsWith(o, i));
      if (!op) throw new ExpressionSyntaxError(`${JSON.stringify(c)} is not supported`);
      tokens.push({ kind: 'op', text: op });
      i += op.length;
    }
  }
  tokens.push({ kind: 'end', text: 'the end' });
  return tokens;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'if', 'else', 'in', 'is', 'True', 'False', 'None']);

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.at];
  }

  private next(): Token {
    const token = this.tokens[this.at];
    if (token.kind !== 'end') this.at += 1;
    return token;
  }

  private isOp(text: string): boolean {
    const token = this.peek();
    return token.kind === 'op' && token.text === text;
  }

  private isWord(text: string): boolean {
    const token = this.peek();
    return token.kind === 'name' && token.text === text;
  }

  private expect(text: string): void {
    const token = this.next();
    if (token.text !== text || (token.kind !== 'op' && token.kind !== 'name')) {
      throw new ExpressionSyntaxError(`expected ${text} but found ${token.text}`);
    }
  }

  parseAll(): Expr {
    const expr = this.expression();
    const rest = this.peek();
    if (rest.kind !== 'end') {
      if (rest.text === ',') throw new ExpressionSyntaxError('tuples are not supported');
      throw new ExpressionSyntaxError(`unexpected ${rest.text}`);
    }
    return expr;
  }

  private expression(): Expr {
    const value = this.or();
    if (!this.isWord('if')) return value;
    this.next();
    const test = this.or();
    this.expect('else');
    return { kind: 'conditional', test, then: value, otherwise: this.expression() };
  }

  private or(): Expr {
    let left = this.and();
    while (this.isWord('or')) {
      this.next();
      left = { kind: 'logical', op: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.isWord('and')) {
      this.next();
      left = { kind: 'logical', op: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Expr {
    if (this.isWord('not')) {
      this.next();
      return { kind: 'unary', op: 'not', arg: this.not() };
    }
    return this.comparison();
  }

  private compareOperator(): CompareOperator | undefined {
    const token = this.peek();
    if (token.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(token.text)) {
      this.next();
      return token.text as CompareOperator;
    }
    if (token.kind !== 'name') return undefined;
    if (token.text === 'in') {
      this.next();
      return 'in';
    }
    if (token.text === 'is') {
      this.next();
      if (!this.isWord('not')) return 'is';
      this.next();
      return 'is not';
    }
    if (token.text === 'not' && this.tokens[this.at + 1]?.text === 'in') {
      this.at += 2;
      return 'not in';
    }
    return undefined;
  }

  private comparison(): Expr {
    const first = this.sum();
    const ops: CompareOperator[] = [];
    const operands = [first];
    for (let op = this.compareOperator(); op; op = this.compareOperator()) {
      ops.push(op);
      operands.push(this.sum());
    }
    return ops.length === 0 ? first : { kind: 'compare', ops, operands };
  }

  private sum(): Expr {
    let left = this.term();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next().text as BinaryOperator;
      left = { kind: 'binary', op, left, right: this.term() };
    }
    return left;
  }

  private term(): Expr {
    let left = this.factor();
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%')) {
      const op = this.next().text as BinaryOperator;
      left = { kind: 'binary', op, left, right: this.factor() };
    }
    return left;
  }

  private factor(): Expr {
    if (this.isOp('-') || this.isOp('+')) {
      const op = this.next().text as '-' | '+';
      return { kind: 'unary', op, arg: this.factor() };
    }
    return this.power();
  }

  private power(): Expr {
    const base = this.postfix();
    if (!this.isOp('**')) return base;
    this.next();
    return { kind: 'binary', op: '**', left: base, right: this.factor() };
  }

  private postfix(): Expr {
    let expr = this.atom();
    for (;;) {
      if (this.isOp('[')) {
        this.next();
        if (this.isOp(':') || this.isOp(']')) throw new ExpressionSyntaxError('slices are not supported');
        const key = this.expression();
        if (!this.isOp(']')) throw new ExpressionSyntaxError(this.peek().text === ',' ? 'tuple subscripts are not supported' : 'slices are not supported');
        this.next();
        expr = { kind: 'index', target: expr, key };
      } else if (this.isOp('.')) {
        this.next();
        const member = this.next();
        throw new ExpressionSyntaxError(`attribute and method access (.${member.text}) is not supported`);
      } else if (this.isOp('(')) {
        throw new ExpressionSyntaxError('only md5(), str(), int(), float() and bool() can be called');
      } else {
        return expr;
      }
    }
  }

  private call(name: string): Expr {
    if (!(FUNCTIONS as readonly string[]).includes(name)) {
      throw new ExpressionSyntaxError(`function ${name}() is not supported (only ${FUNCTIONS.map((f) => f + '()').join(', ')})`);
    }
    this.next(); // '('
    if (this.isOp(')')) throw new ExpressionSyntaxError(`${name}() takes exactly one argument`);
    const arg = this.expression();
    if (this.isWord('for')) throw new ExpressionSyntaxError('comprehensions are not supported');
    if (this.isOp(',')) throw new ExpressionSyntaxError(`${name}() takes exactly one argument`);
    this.expect(')');
    return { kind: 'call', fn: name as FunctionName, arg };
  }

  private atom(): Expr {
    const token = this.next();
    switch (token.kind) {
      case 'number':
        return { kind: 'literal', value: token.value as Value };
      case 'string': {
        let text = token.value as string;
        while (this.peek().kind === 'string') text += this.next().value as string; // 'a' 'b'
        return { kind: 'literal', value: text };
      }
      case 'name':
        return this.nameAtom(token.text);
      case 'op':
        if (token.text === '(') {
          if (this.isOp(')')) throw new ExpressionSyntaxError('tuples are not supported');
          const inner = this.expression();
          if (this.isOp(',')) throw new ExpressionSyntaxError('tuples are not supported');
          this.expect(')');
          return inner;
        }
        if (token.text === '[') throw new ExpressionSyntaxError('list literals are not supported');
        throw new ExpressionSyntaxError(`unexpected ${token.text}`);
      case 'end':
        throw new ExpressionSyntaxError('the expression is incomplete');
    }
  }

  private nameAtom(name: string): Expr {
    if (name === 'True') return { kind: 'literal', value: true };
    if (name === 'False') return { kind: 'literal', value: false };
    if (name === 'None') return { kind: 'literal', value: null };
    if (KEYWORDS.has(name)) throw new ExpressionSyntaxError(`unexpected ${name}`);
    if (this.isOp('(')) return this.call(name);
    return { kind: 'name', name };
  }
}

/** Parses `source`; throws ExpressionSyntaxError naming what is wrong or not supported. */
export function parseExpression(source: string): Expr {
  if (source.trim() === '') throw new ExpressionSyntaxError('the expression is empty');
  return new Parser(tokenize(source)).parseAll();
}

/** The record field a plain reference reads (`name`, `record['name']`, `_['name']`), else undefined. */
export function fieldReference(expr: Expr): string | undefined {
  if (expr.kind === 'name' && !(RESERVED_NAMES as readonly string[]).includes(expr.name)) return expr.name;
  if (expr.kind === 'index' && expr.target.kind === 'name' && (expr.target.name === 'record' || expr.target.name === '_')) {
    return expr.key.kind === 'literal' && typeof expr.key.value === 'string' ? expr.key.value : undefined;
  }
  return undefined;
}

/** Every node of `expr`, depth first. */
export function nodes(expr: Expr): Expr[] {
  switch (expr.kind) {
    case 'literal':
    case 'name':
      return [expr];
    case 'index':
      return [expr, ...nodes(expr.target), ...nodes(expr.key)];
    case 'call':
    case 'unary':
      return [expr, ...nodes(expr.arg)];
    case 'binary':
    case 'logical':
      return [expr, ...nodes(expr.left), ...nodes(expr.right)];
    case 'compare':
      return [expr, ...expr.operands.flatMap(nodes)];
    case 'conditional':
      return [expr, ...nodes(expr.test), ...nodes(expr.then), ...nodes(expr.otherwise)];
  }
}

/**
 * What an expression reads: the record fields it names (plain names and `record['x']` with a
 * literal key), whether it reads the whole record (`record` or `_` otherwise), uses `self`, and
 * the literal `config[...]` keys it reads first.
 */
export function readsOf(expr: Expr): { fields: Set<string>; wholeRecord: boolean; self: boolean; configKeys: Set<string> } {
  const fields = new Set<string>();
  const configKeys = new Set<string>();
  let wholeRecord = false;
  let self = false;
  const all = nodes(expr);
  const indexedRecord = new Set<Expr>();
  for (const node of all) {
    if (node.kind !== 'index' || node.target.kind !== 'name') continue;
    const literal = node.key.kind === 'literal' && typeof node.key.value === 'string' ? node.key.value : undefined;
    if ((node.target.name === 'record' || node.target.name === '_') && literal !== undefined) {
      fields.add(literal);
      indexedRecord.add(node.target);
    }
    if (node.target.name === 'config' && literal !== undefined) configKeys.add(literal);
  }
  for (const node of all) {
    if (node.kind !== 'name') continue;
    if (node.name === 'self') self = true;
    else if ((node.name === 'record' || node.name === '_') && !indexedRecord.has(node)) wholeRecord = true;
    else if (!(RESERVED_NAMES as readonly string[]).includes(node.name)) fields.add(node.name);
  }
  return { fields, wholeRecord, self, configKeys };
}
