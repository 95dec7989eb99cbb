/**
 * A connection URL (`sqlalchemy_url` as the MeltanoLabs tap takes it, or `url`): libpq's
 * `postgresql://user:password@host:port/dbname?param=value&…`, with an optional SQLAlchemy
 * driver suffix (`postgresql+psycopg2://`). It becomes the tap's own connection keys; query
 * parameters are the libpq keywords the tap knows, any other is an input error naming it.
 * Error messages never repeat the URL: it holds the password.
 */
import { InputError } from '../errors';

/** libpq keywords accepted in the query string, by the config key each one sets. */
const PARAMETERS = [
  'host',
  'port',
  'user',
  'password',
  'dbname',
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'application_name',
  'connect_timeout',
  'options',
] as const;

const SCHEME = /^postgres(?:ql)?(?:\+[a-z0-9_]+)?:$/i;

function invalid(key: string, problem: string): never {
  throw new InputError('CONFIG_INVALID', `config: /${key} ${problem}`);
}

function decode(key: string, text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return invalid(key, 'holds a malformed %-escape');
  }
}

/** The query string's parameters, percent-decoded (`+` stays a plus, as libpq reads it). */
function queryParameters(key: string, search: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of search.replace(/^\?/, '').split('&').filter((part) => part !== '')) {
    const at = pair.indexOf('=');
    const name = decode(key, at < 0 ? pair : pair.slice(0, at));
    out.set(name, decode(key, at < 0 ? '' : pair.slice(at + 1)));
  }
  return out;
}

/** The config keys a connection URL sets (only those it holds). */
export function connectionUrlKeys(key: string, text: unknown): Record<string, string> {
  if (typeof text !== 'string' || text.trim() === '') return invalid(key, 'must be a postgresql:// URL');
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return invalid(key, 'is not a valid URL (one host:port; percent-encode special characters in the user name and password)');
  }
  if (!SCHEME.test(url.protocol)) {
    return invalid(key, `must start with postgresql:// or postgresql+<driver>:// (got ${url.protocol}//)`);
  }
  const out: Record<string, string> = {};
  // The WHATWG parser keeps a non-special scheme's host as written, IPv6 in brackets.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host.includes(',')) invalid(key, 'names several hosts; give one');
  if (host) out.host = decode(key, host);
  if (url.port) out.port = url.port;
  if (url.username) out.user = decode(key, url.username);
  if (url.password) out.password = decode(key, url.password);
  const dbname = decode(key, url.pathname.replace(/^\//, ''));
  if (dbname) out.dbname = dbname;
  const params = queryParameters(key, url.search);
  const unknown = [...params.keys()].filter((name) => !(PARAMETERS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    invalid(key, `has connection parameter(s) this tap does not know: ${unknown.join(', ')} (known: ${PARAMETERS.join(', ')})`);
  }
  for (const [name, value] of params) out[name] = value;
  return out;
}
