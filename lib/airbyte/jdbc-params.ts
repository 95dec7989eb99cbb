/**
 * `jdbc_url_params` (`k1=v1&k2=v2`, pgjdbc's names) → the tap's libpq-style settings. Only
 * parameters with a libpq counterpart are accepted; any other is refused by name, never dropped.
 */
import { InputError } from '../errors';

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** pgjdbc parameter (lower case) → [tap setting, how the value is read]. */
const PARAMETERS: Readonly<Record<string, [string, 'sslmode' | 'text' | 'seconds']>> = {
  sslmode: ['sslmode', 'sslmode'],
  sslrootcert: ['sslrootcert', 'text'],
  sslcert: ['sslcert', 'text'],
  sslkey: ['sslkey', 'text'],
  connecttimeout: ['connect_timeout', 'seconds'],
  logintimeout: ['connect_timeout', 'seconds'],
  applicationname: ['application_name', 'text'],
};

const ACCEPTED = 'sslmode, sslrootcert, sslcert, sslkey, connectTimeout, loginTimeout, ApplicationName';

function fail(message: string): never {
  throw new InputError('CONFIG_INVALID', `config: /jdbc_url_params: ${message}`);
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return fail(`${what} is not valid URL encoding`);
  }
}

/** The tap settings the parameters give (later parameters win), e.g. `{ sslmode: 'require' }`. */
export function jdbcParams(text: string | undefined): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  const refused: string[] = [];
  for (const pair of (text ?? '').split('&')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) fail(`"${decode(pair, 'a parameter')}" is not key=value`);
    const name = decode(pair.slice(0, eq), 'a parameter name').trim();
    const value = decode(pair.slice(eq + 1), `the value of ${name}`);
    const known = PARAMETERS[name.toLowerCase()];
    if (!known) {
      refused.push(name);
      continue;
    }
    const [setting, kind] = known;
    if (kind === 'sslmode' && !SSL_MODES.includes(value)) fail(`sslmode must be one of ${SSL_MODES.join(', ')}`);
    if (kind === 'seconds') {
      if (!/^\d+$/.test(value)) fail(`${name} must be a whole number of seconds`);
      out[setting] = Number(value);
    } else {
      out[setting] = value;
    }
  }
  if (refused.length > 0) {
    fail(`${refused.join(', ')} ${refused.length === 1 ? 'has' : 'have'} no counterpart in this connector (accepted: ${ACCEPTED})`);
  }
  return out;
}
