/**
 * Evaluates a parsed stream-map expression against one record, with Python's semantics
 * (lib/maps/operators.ts). Record fields are decoded only when the expression reads them.
 * Pure.
 */
import type { Expr } from './expression';
import { binary, callFunction, compare, negate } from './operators';
import { ExpressionRuntimeError, pyStr, truthy, typeName, type Value, type ValueMap } from './values';

/** Thrown when an expression reads a field the record does not carry (a LOG_BASED delete carries only its key). */
export class AbsentField extends Error {
  constructor(readonly field: string) {
    super(`the record has no field ${JSON.stringify(field)}`);
  }
}

export interface Scope {
  /** The field's value; throws AbsentField when the record lacks it. */
  field(name: string): Value;
  /** The whole record (`record`, `_`). */
  record(): ValueMap;
  config: ValueMap;
  /** The value of the property being computed, when the record has it. */
  self?: Value;
}

function subscript(target: Value, key: Value): Value {
  if (target instanceof Map) {
    if (typeof key !== 'string' || !target.has(key)) throw new ExpressionRuntimeError(`KeyError: ${pyStr(key)}`);
    return target.get(key) as Value;
  }
  if (typeof target === 'string' || Array.isArray(target)) {
    if (typeof key !== 'bigint' && typeof key !== 'boolean') throw new ExpressionRuntimeError(`indices must be integers, not ${typeName(key)}`);
    const length = BigInt(target.length);
    let index = typeof key === 'boolean' ? (key ? 1n : 0n) : key;
    if (index < 0n) index += length;
    if (index < 0n || index >= length) throw new ExpressionRuntimeError(`${typeName(target)} index out of range`);
    return target[Number(index)];
  }
  throw new ExpressionRuntimeError(`'${typeName(target)}' object is not subscriptable`);
}

export function evaluate(expr: Expr, scope: Scope): Value {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'name':
      switch (expr.name) {
        case 'record':
        case '_':
          return scope.record();
        case 'config':
          return scope.config;
        case 'self':
          if (scope.self === undefined) throw new ExpressionRuntimeError("name 'self' is not defined");
          return scope.self;
        default:
          return scope.field(expr.name);
      }
    case 'index': {
      const target = expr.target;
      const key = evaluate(expr.key, scope);
      // record['x'] reads one field (and tells when it is absent) without decoding the others.
      if (target.kind === 'name' && (target.name === 'record' || target.name === '_') && typeof key === 'string') return scope.field(key);
      return subscript(evaluate(target, scope), key);
    }
    case 'call':
      return callFunction(expr.fn, evaluate(expr.arg, scope));
    case 'unary': {
      const value = evaluate(expr.arg, scope);
      return expr.op === 'not' ? !truthy(value) : negate(value, expr.op);
    }
    case 'binary':
      return binary(expr.op, evaluate(expr.left, scope), evaluate(expr.right, scope));
    case 'logical': {
      const left = evaluate(expr.left, scope);
      if (expr.op === 'and' ? !truthy(left) : truthy(left)) return left;
      return evaluate(expr.right, scope);
    }
    case 'compare': {
      let left = evaluate(expr.operands[0], scope);
      for (let i = 0; i < expr.ops.length; i += 1) {
        const right = evaluate(expr.operands[i + 1], scope);
        if (!compare(expr.ops[i], left, right)) return false;
        left = right;
      }
      return true;
    }
    case 'conditional':
      return truthy(evaluate(expr.test, scope)) ? evaluate(expr.then, scope) : evaluate(expr.otherwise, scope);
  }
}
