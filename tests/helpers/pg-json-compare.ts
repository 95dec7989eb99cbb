/**
 * Compares the tap's raw JSON for a column value with PostgreSQL's own JSON for the same value
 * (`to_json(row)::text`), after the normalisations lib/values/convert.ts documents. Numbers are
 * compared as digit text, never through a JS number. Values PostgreSQL's JSON cannot be compared
 * with in plain code (BC dates, years > 9999, composites) come back as `ServerCheck`s for the
 * caller to let PostgreSQL decide.
 */

/** How one column (or array element) is compared; chosen from the column's PostgreSQL type. */
export type Rule =
  | 'number' // int2/4/8, numeric, real, double: same digits; NaN, ±Infinity → null
  | 'boolean'
  | 'bit1' // PostgreSQL prints "1"/"0"; the tap true/false
  | 'timetz' // PostgreSQL prints the offset `+02`; the tap `+02:00`
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | 'json'
  | 'hstore'
  | 'bytea' // PostgreSQL prints "\\x…"; the tap the hex digits
  | 'as-text' // the tap's string is the value's ::text (composite: to_json makes an object)
  | 'string'; // PostgreSQL's JSON string as is (text, time, interval, uuid, ranges, …)

export type Temporal = 'date' | 'timestamp' | 'timestamptz';

/** A value PostgreSQL must confirm: element `index` (1-based, in unnest order) or the column itself. */
export interface ServerCheck {
  column: string;
  /** null for the column value, else the element's position in `unnest(column)`. */
  index: number | null;
  kind: Temporal | 'as-text';
  tap: string;
}

export interface Outcome {
  mismatches: string[];
  serverChecks: ServerCheck[];
}

/** Splits a JSON array's text into its elements' raw texts (top level only). */
export function rawElements(arrayText: string): string[] {
  const elements: string[] = [];
  let depth = 0;
  let start = 1;
  for (let i = 1; i < arrayText.length - 1; i += 1) {
    const c = arrayText[i];
    if (c === '"') {
      i += 1;
      while (arrayText[i] !== '"') i += arrayText[i] === '\\' ? 2 : 1;
    } else if (c === '[' || c === '{') depth += 1;
    else if (c === ']' || c === '}') depth -= 1;
    else if (c === ',' && depth === 0) {
      elements.push(arrayText.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = arrayText.slice(start, arrayText.length - 1).trim();
  if (last !== '' || elements.length > 0) elements.push(last);
  return elements;
}

/** Drops whitespace outside strings (written here, independent of lib/values/json-text.ts). */
export function minify(jsonText: string): string {
  let out = '';
  for (let i = 0; i < jsonText.length; i += 1) {
    const c = jsonText[i];
    if (c === '"') {
      let j = i + 1;
      while (jsonText[j] !== '"') j += jsonText[j] === '\\' ? 2 : 1;
      out += jsonText.slice(i, j + 1);
      i = j;
    } else if (c !== ' ' && c !== '\n' && c !== '\r' && c !== '\t') out += c;
  }
  return out;
}

const NON_FINITE = new Set(['"NaN"', '"Infinity"', '"-Infinity"']);
const INFINITE_TIME = new Set(['"infinity"', '"-infinity"']);
/** PostgreSQL's JSON form of an AD date/timestamp with a 4-digit year (to_json in TimeZone UTC). */
const PG_PLAIN_TEMPORAL = /^"(\d{4}-\d\d-\d\d)(?:T(\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(\+00:00)?)?"$/;

/** The tap's form of PostgreSQL's plain JSON date/timestamp, or undefined if it is not plain. */
function plainTemporal(pg: string, kind: Temporal): string | undefined {
  const match = PG_PLAIN_TEMPORAL.exec(pg);
  if (!match) return undefined;
  const [, date, time, fraction = '', zone] = match;
  if (kind === 'date') return time === undefined ? `"${date}"` : undefined;
  if (time === undefined || (kind === 'timestamptz') !== (zone !== undefined)) return undefined;
  return `"${date}T${time}.${fraction.padEnd(6, '0')}+00:00"`;
}

/** `expected` JSON strings compared by value (escapes may legally differ). */
function sameString(tap: string, expected: string): boolean {
  return tap.startsWith('"') && JSON.parse(tap) === JSON.parse(expected);
}

interface Where {
  column: string;
  /** 1-based position in unnest order, or null for a scalar column. */
  index: number | null;
}

export interface Compared {
  rule: Rule;
  column: string;
  /** The array's number of dimensions (array_ndims), 0 for a scalar column. */
  dims: number;
  jsonAsObject: boolean;
  /**
   * json/jsonb only: which values are SQL NULL (for an array, per element in unnest order), since
   * to_json prints both SQL NULL and the JSON value `null` as `null`.
   */
  sqlNulls?: boolean[];
}

/**
 * Compares a tap value with PostgreSQL's (raw JSON texts); arrays element by element with the
 * column's rule (json[] elements may be JSON arrays themselves, hence the explicit depth).
 */
export function compareValue(compared: Compared, tap: string, pg: string): Outcome {
  const { rule, column, dims } = compared;
  const outcome: Outcome = { mismatches: [], serverChecks: [] };
  const fail = (tapText: string, pgText: string, where: Where): void => {
    outcome.mismatches.push(`${where.column}${where.index === null ? '' : `[#${where.index}]`}: tap ${tapText} vs PostgreSQL ${pgText}`);
  };
  if (dims === 0 || pg === 'null') {
    // A NULL array prints `null`; a scalar json column's SQL NULL is told by sqlNulls.
    compareScalar(dims === 0 ? compared : { ...compared, sqlNulls: undefined }, tap, pg, { column, index: null }, outcome, fail);
    return outcome;
  }
  let flat = 0;
  const walk = (tapText: string, pgText: string, depth: number): void => {
    if (depth === dims) {
      flat += 1;
      compareScalar(compared, tapText, pgText, { column, index: flat }, outcome, fail);
      return;
    }
    const tapItems = tapText.startsWith('[') ? rawElements(tapText) : undefined;
    const pgItems = rawElements(pgText);
    if (tapItems?.length !== pgItems.length) return fail(tapText, pgText, { column, index: null });
    tapItems.forEach((item, i) => walk(item, pgItems[i], depth + 1));
  };
  walk(tap, pg, 0);
  return outcome;
}

function compareScalar(
  { rule, jsonAsObject, sqlNulls }: Compared,
  tap: string,
  pg: string,
  where: Where,
  outcome: Outcome,
  fail: (tap: string, pg: string, where: Where) => void,
): void {
  const sqlNull = sqlNulls === undefined ? pg === 'null' : sqlNulls[(where.index ?? 1) - 1] !== false;
  if (sqlNull) {
    if (tap !== 'null') fail(tap, pg, where);
    return;
  }
  switch (rule) {
    case 'number':
      if (tap !== (NON_FINITE.has(pg) ? 'null' : pg)) fail(tap, pg, where);
      return;
    case 'boolean':
      if (tap !== pg) fail(tap, pg, where);
      return;
    case 'bit1':
      if (tap !== { '"1"': 'true', '"0"': 'false' }[pg]) fail(tap, pg, where);
      return;
    case 'bytea':
      if (!sameString(tap, JSON.stringify((JSON.parse(pg) as string).replace(/^\\x/, '')))) fail(tap, pg, where);
      return;
    case 'hstore':
      if (!tap.startsWith('{') || JSON.stringify(JSON.parse(tap)) !== JSON.stringify(JSON.parse(pg))) fail(tap, pg, where);
      return;
    case 'json':
      // to_json embeds json/jsonb values as their text: the tap sends that text as a string, or the value minified.
      if (jsonAsObject ? tap !== minify(pg) : !tap.startsWith('"') || JSON.parse(tap) !== pg) fail(tap, pg, where);
      return;
    case 'timetz':
      if (!/^"\d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d(:\d\d)?(:\d\d)?"$/.test(pg)) return fail(tap, pg, where);
      if (tap !== pg.replace(/([+-]\d\d)"$/, '$1:00"')) fail(tap, pg, where);
      return;
    case 'string':
      if (!pg.startsWith('"') || !sameString(tap, pg)) fail(tap, pg, where);
      return;
    case 'as-text':
      if (!tap.startsWith('"')) return fail(tap, pg, where);
      outcome.serverChecks.push({ ...where, kind: 'as-text', tap });
      return;
    default: {
      if (INFINITE_TIME.has(pg)) {
        if (tap !== 'null') fail(tap, pg, where);
        return;
      }
      const plain = plainTemporal(pg, rule);
      if (plain !== undefined) {
        if (tap !== plain) fail(tap, pg, where);
      } else if (/^"\d{4}-\d\d-\d\d/.test(pg) && !/ BC"$/.test(pg)) {
        fail(tap, pg, where); // a 4-digit AD year PostgreSQL printed in a form this test does not know
      } else {
        outcome.serverChecks.push({ ...where, kind: rule, tap }); // BC or year > 9999
      }
    }
  }
}

/** The tap's documented extended-year form (`-000043-03-15`, `+010000-01-01T00:00:00.000001+00:00`). */
const TAP_TEMPORAL = /^"(\d{4}|[+-]\d{6})-(\d\d)-(\d\d)(?:T(\d\d:\d\d:\d\d\.\d{6})\+00:00)?"$/;

export interface TapTemporal {
  /** The PostgreSQL year for make_date: astronomical 0 = 1 BC = -1, -43 = 44 BC = -44. */
  pgYear: number;
  month: number;
  day: number;
  time: string | undefined;
}

/** Parses the tap's date/timestamp; undefined when it breaks the documented form. */
export function parseTapTemporal(tap: string, kind: Temporal): TapTemporal | undefined {
  const match = TAP_TEMPORAL.exec(tap);
  if (!match || (kind === 'date') !== (match[4] === undefined)) return undefined;
  const year = Number(match[1]);
  // ISO 8601 expanded years only outside 0000-9999, and never -000000.
  if (match[1].length === 7 && year >= 0 && year <= 9999) return undefined;
  return { pgYear: year <= 0 ? year - 1 : year, month: Number(match[2]), day: Number(match[3]), time: match[4] };
}
