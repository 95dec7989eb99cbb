/**
 * The stream-map expression language: Python's results for the supported subset, exact
 * integers and number text, and a clear refusal of everything outside it.
 */
import { createHash } from 'node:crypto';
import { evaluate, AbsentField, type Scope } from '../../lib/maps/evaluate';
import { parseExpression, ExpressionSyntaxError, fieldReference, readsOf } from '../../lib/maps/expression';
import { decodeJson, ExpressionRuntimeError, floatRepr, fromPlain, toJsonText, type Value, type ValueMap } from '../../lib/maps/values';

const RECORD: Record<string, string> = {
  id: '12345678901234567890',
  name: '"Ada"',
  email: '"ada@example.com"',
  price: '1.50',
  qty: '3',
  active: 'true',
  note: 'null',
  tags: '["a","b"]',
  doc: '{"k":{"n":98765432109876543210}}',
};

function scope(record: Record<string, string> = RECORD, self?: Value): Scope {
  const field = (name: string): Value => {
    if (!(name in record)) throw new AbsentField(name);
    return decodeJson(record[name]);
  };
  return {
    field,
    record: () => new Map(Object.keys(record).map((k) => [k, field(k)])),
    config: fromPlain({ seed: 'pepper', limit: 10, nested: { list: [1, 2] } }) as ValueMap,
    self,
  };
}

/** A JSON string of the hex MD5 digest of `text`. */
function md5(text: string): string {
  return JSON.stringify(createHash('md5').update(text, 'utf8').digest('hex'));
}

/** The expression's result as JSON text, as it would go into a record. */
function run(source: string, self?: Value): string {
  return toJsonText(evaluate(parseExpression(source), scope(RECORD, self)));
}

describe('values', () => {
  it('are read from record text keeping every digit', () => {
    expect(run('id')).toBe('12345678901234567890');
    expect(run('price')).toBe('1.50');
    expect(run("record['doc']['k']['n']")).toBe('98765432109876543210');
    expect(run('id + 1')).toBe('12345678901234567891');
    const long = '9'.repeat(1000) + '.' + '1'.repeat(500);
    expect(toJsonText(decodeJson(`[${long},-${'1'.repeat(600)}]`))).toBe(`[${long},-${'1'.repeat(600)}]`);
  });

  it('print as Python prints them (str)', () => {
    expect(run('str(id)')).toBe('"12345678901234567890"');
    expect(run('str(price)')).toBe('"1.50"');
    expect(run('str(active)')).toBe('"True"');
    expect(run('str(note)')).toBe('"None"');
    expect(run('str(tags)')).toBe(`"['a', 'b']"`);
    expect(run('str(1.0)')).toBe('"1.0"');
    expect(run('str(1 / 3)')).toBe('"0.3333333333333333"');
    expect([1e16, 1e-5, 123.5, -0.5, 2.5e-4].map(floatRepr)).toEqual(['1e+16', '1e-05', '123.5', '-0.5', '0.00025']);
  });
});

describe('operators', () => {
  it.each([
    ['1 + 2 * 3', '7'],
    ['(1 + 2) * 3', '9'],
    ['7 // 2', '3'],
    ['-7 // 2', '-4'],
    ['-7 % 3', '2'],
    ['7 / 2', '3.5'],
    ['2 ** 10', '1024'],
    ['2 ** -1', '0.5'],
    ['-2 ** 2', '-4'],
    ['qty * price', '4.5'],
    ["'a' + 'b' 'c'", '"abc"'],
    ["'ab' * 2", '"abab"'],
    ['1 < 2 < 3', 'true'],
    ['1 < 3 < 2', 'false'],
    ['qty == 3.0', 'true'],
    ["name != 'Ada'", 'false'],
    ["'@example.com' in email", 'true'],
    ["'c' not in tags", 'true'],
    ['note is None', 'true'],
    ['note is not None', 'false'],
    ["active and 'yes'", '"yes"'],
    ["note or 'fallback'", '"fallback"'],
    ['not active', 'false'],
    ["'big' if qty > 2 else 'small'", '"big"'],
    ["config['seed']", '"pepper"'],
    ["config['nested']['list'][-1]", '2'],
    ["_['name']", '"Ada"'],
    ['name[0]', '"A"'],
  ])('%s → %s', (source, expected) => {
    expect(run(source)).toBe(expected);
  });

  it('evaluates and/or lazily, as Python does', () => {
    expect(run("note and missing_field")).toBe('null');
    expect(run("active or missing_field")).toBe('true');
  });
});

describe('functions', () => {
  it('md5 is the hex digest of the UTF-8 text', () => {
    expect(run("md5('')")).toBe('"d41d8cd98f00b204e9800998ecf8427e"');
    expect(run('md5(email)')).toBe(md5('ada@example.com'));
    expect(run("md5(config['seed'] + email)")).toBe(md5('pepperada@example.com'));
    expect(run('md5(note)')).toBe('null');
    expect(run('md5(id)')).toBe(md5('12345678901234567890'));
  });

  it.each([
    ["int('42')", '42'],
    ["int(' -7 ')", '-7'],
    ['int(price)', '1'],
    ['int(-2.9)', '-2'],
    ['int(active)', '1'],
    ["float('1e3')", '1000'],
    ['float(qty)', '3'],
    ["bool('')", 'false'],
    ['bool(tags)', 'true'],
    ['bool(0.0)', 'false'],
  ])('%s → %s', (source, expected) => {
    expect(run(source)).toBe(expected);
  });

  it('self is the value of the property being computed', () => {
    expect(run('md5(self)', 'x')).toBe(md5('x'));
  });
});

describe('runtime errors are Python errors', () => {
  it.each([
    ["name + 1", /unsupported operand type\(s\) for \+: 'str' and 'int'/],
    ['qty / 0', /division by zero/],
    ["int('x')", /invalid literal for int\(\)/],
    ["config['nested']['nope']", /KeyError/],
    ['tags[5]', /index out of range/],
    ["name < 1", /not supported between instances of 'str' and 'int'/],
    ['2 ** 5000000', /too large/],
  ])('%s', (source, message) => {
    expect(() => run(source)).toThrow(ExpressionRuntimeError);
    expect(() => run(source)).toThrow(message);
  });

  it('a field the record does not carry is reported as absent', () => {
    expect(() => run('missing_field')).toThrow(AbsentField);
  });
});

describe('what is outside the language is refused when parsed, naming it', () => {
  it.each([
    ["email.split('@')[-1]", /attribute and method access \(\.split\)/],
    ['name.lower()', /\.lower/],
    ['len(name)', /function len\(\) is not supported/],
    ['__import__("os")', /function __import__\(\) is not supported/],
    ['lambda: 1', /lambda is not supported/],
    ['[1, 2]', /list literals are not supported/],
    ['{"a": 1}', /"\{" is not supported/],
    ['(1, 2)', /tuples are not supported/],
    ['name[1:2]', /":" is not supported/],
    ["f'{name}'", /string prefix f is not supported/],
    ['x = 1', /"=" is not supported/],
    ['md5(a, b)', /md5\(\) takes exactly one argument/],
    ['str()', /str\(\) takes exactly one argument/],
    ['1 +', /incomplete/],
    ['a b', /unexpected b/],
    ["'open", /not closed/],
    ['', /empty/],
    ['x if y', /expected else/],
    ['007', /leading zeros/],
    ['a ; b', /";" is not supported/],
  ])('%s', (source, message) => {
    expect(() => parseExpression(source)).toThrow(ExpressionSyntaxError);
    expect(() => parseExpression(source)).toThrow(message);
  });
});

describe('what an expression reads', () => {
  it('names the fields, the config keys and self', () => {
    const reads = readsOf(parseExpression("md5(config['seed'] + email) if record['active'] else self"));
    expect([...reads.fields].sort()).toEqual(['active', 'email']);
    expect([...reads.configKeys]).toEqual(['seed']);
    expect(reads.self).toBe(true);
    expect(reads.wholeRecord).toBe(false);
    expect(readsOf(parseExpression('str(record)')).wholeRecord).toBe(true);
  });

  it('tells a plain reference to another field', () => {
    expect(fieldReference(parseExpression('old_name'))).toBe('old_name');
    expect(fieldReference(parseExpression("record['old name']"))).toBe('old name');
    expect(fieldReference(parseExpression('old_name + 1'))).toBeUndefined();
    expect(fieldReference(parseExpression('config'))).toBeUndefined();
  });
});
