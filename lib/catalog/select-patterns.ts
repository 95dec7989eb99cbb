/**
 * Meltano's `select` patterns, read as `meltano select` writes them: `stream` or `stream.column`,
 * a leading `!` to exclude, and fnmatch wildcards (`*`, `?`, `[abc]`, `[!abc]`) matched against
 * the whole tap_stream_id and the whole column name, case-sensitively. The stream part ends at
 * the first `.` not written `\.` (stream ids have no dot, column names may). Pure: no I/O.
 *
 * What a pattern does, as in Meltano (includes first, then excludes, each in the order given):
 * - `S` selects the streams S matches and all their columns (like `S.*`);
 * - `S.C` selects the streams and, of their columns, those C matches;
 * - `!S` and `!S.*` deselect the streams (and their columns);
 * - `!S.C` deselects only the columns C matches.
 */
import { InputError } from '../errors';

export interface SelectPattern {
  /** As given, for messages. */
  raw: string;
  exclude: boolean;
  /** The stream part, wildcards kept (`\.` unescaped). */
  streamGlob: string;
  stream: RegExp;
  /** The column part (undefined for a stream-only pattern). */
  columnGlob?: string;
  column?: RegExp;
}

const WILDCARD = /[*?[]/;

/** fnmatch's translation of a glob to a whole-string RegExp; an unclosed `[` is literal. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  let i = 0;
  while (i < glob.length) {
    const c = glob[i];
    i += 1;
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[') {
      let j = i;
      if (glob[j] === '!') j += 1;
      if (glob[j] === ']') j += 1;
      while (j < glob.length && glob[j] !== ']') j += 1;
      if (j >= glob.length) {
        source += '\\[';
        continue;
      }
      let set = glob.slice(i, j).replace(/\\/g, '\\\\').replace(/\^/g, '\\^');
      if (set.startsWith('!')) set = '^' + set.slice(1);
      source += `[${set}]`;
      i = j + 1;
    } else source += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^(?:${source})$`, 's');
}

function usage(raw: string, why: string): InputError {
  return new InputError('USAGE', `--select ${JSON.stringify(raw)}: ${why} (see --help)`);
}

/** Splits at the first `.` that is not written `\.`. */
function splitPattern(body: string): [string, string | undefined] {
  for (let i = 0; i < body.length; i += 1) {
    if (body[i] === '\\' && body[i + 1] === '.') i += 1;
    else if (body[i] === '.') return [body.slice(0, i), body.slice(i + 1)];
  }
  return [body, undefined];
}

export function parseSelectPattern(raw: string): SelectPattern {
  const exclude = raw.startsWith('!');
  const [streamPart, columnGlob] = splitPattern(exclude ? raw.slice(1) : raw);
  const streamGlob = streamPart.replace(/\\\./g, '.');
  if (streamGlob === '') throw usage(raw, 'the stream part is empty (write STREAM, STREAM.COLUMN or !STREAM)');
  if (columnGlob === '') throw usage(raw, 'the column part after "." is empty');
  const pattern: SelectPattern = { raw, exclude, streamGlob, stream: globToRegExp(streamGlob) };
  if (columnGlob !== undefined) {
    pattern.columnGlob = columnGlob;
    pattern.column = globToRegExp(columnGlob);
  }
  return pattern;
}

/** What one pattern sets on the streams it matches. */
export interface SelectRule {
  pattern: SelectPattern;
  /** true/false: set the stream's `selected`; undefined: leave it. */
  stream?: boolean;
  /** Columns to set, and to which value; undefined: none. */
  columns?: { match: RegExp; value: boolean };
}

const ALL = /^[^]*$/;

/** The rules in the order they apply: every include, then every exclude. */
export function selectRules(patterns: readonly SelectPattern[]): SelectRule[] {
  const rule = (pattern: SelectPattern): SelectRule => {
    const value = !pattern.exclude;
    const everyColumn = pattern.columnGlob === undefined || pattern.columnGlob === '*';
    return {
      pattern,
      stream: value || everyColumn ? value : undefined,
      columns: { match: everyColumn ? ALL : (pattern.column as RegExp), value },
    };
  };
  return [...patterns.filter((p) => !p.exclude), ...patterns.filter((p) => p.exclude)].map(rule);
}

/**
 * The schemas the include patterns can reach, when each names its schema without a wildcard
 * (ids are `<schema>-<table>`, and a schema name may itself hold `-`: `a-b-*` may be schema `a`
 * or `a-b`). Undefined when some include pattern could match any schema.
 */
export function reachableSchemas(patterns: readonly SelectPattern[]): string[] | undefined {
  const schemas = new Set<string>();
  for (const pattern of patterns.filter((p) => !p.exclude)) {
    const wildcard = pattern.streamGlob.search(WILDCARD);
    const literal = wildcard === -1 ? pattern.streamGlob : pattern.streamGlob.slice(0, wildcard);
    const dashes = [...literal.matchAll(/-/g)].map((m) => m.index as number);
    if (dashes.length === 0) return undefined;
    for (const at of dashes) if (at > 0) schemas.add(literal.slice(0, at));
  }
  return [...schemas].sort();
}
