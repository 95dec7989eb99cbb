/**
 * `stream_options.<stream>.custom_where_clauses`: the user's own SQL conditions, ANDed into that
 * stream's query as `WHERE (c1) AND (c2)`. They run as written (the user may read what the
 * connection may read anyway); the check here only makes sure each one stays one expression
 * inside its parentheses: no `;`, no comment, parentheses balanced outside quotes.
 */
import { InputError } from '../errors';

/** Why a clause is not one expression, or undefined when it is. */
export function clauseProblem(clause: string): string | undefined {
  if (clause.trim() === '') return 'is empty';
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < clause.length; i++) {
    const c = clause[i];
    if (quote) {
      if (c === quote) quote = undefined; // a doubled quote closes and reopens: the same
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '$') return 'holds $ (dollar quoting and parameters are not allowed; use single quotes)';
    else if (c === ';') return "holds ';'";
    else if ((c === '-' && clause[i + 1] === '-') || (c === '/' && clause[i + 1] === '*')) return 'holds a comment';
    else if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return "closes a parenthesis it did not open";
  }
  if (quote) return `leaves a ${quote} quote open`;
  if (depth > 0) return 'leaves a parenthesis open';
  return undefined;
}

/** The validated stream_options: clauses as arrays, each one expression. */
export function rowFilters(value: unknown): Record<string, { custom_where_clauses: string[] }> | undefined {
  if (value === undefined) return undefined;
  const out: Record<string, { custom_where_clauses: string[] }> = {};
  for (const [stream, options] of Object.entries(value as Record<string, { custom_where_clauses?: string | string[] }>)) {
    const given = options.custom_where_clauses ?? [];
    const clauses = Array.isArray(given) ? given : [given];
    clauses.forEach((clause, index) => {
      const problem = clauseProblem(clause);
      if (problem) {
        throw new InputError('CONFIG_INVALID', `config: /stream_options/${stream}/custom_where_clauses/${index} ${problem}: each clause must be one SQL expression`);
      }
    });
    if (clauses.length > 0) out[stream] = { custom_where_clauses: clauses };
  }
  return out;
}
