import { loadConfig, loadConfigWithWarnings } from '../../lib/config/load-config';
import { defaultHost } from '../../lib/config/env-defaults';
import { InputError } from '../../lib/errors';
import { availableParallelism, userInfo } from 'node:os';

const base = { host: 'db.example', port: 5433, user: 'u', dbname: 'd' };

function errorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

describe('loadConfig defaults', () => {
  it('fills every default of the schema and libpq', () => {
    const config = loadConfig([base], {});
    expect(config).toEqual({
      ...base,
      sslmode: 'prefer',
      application_name: 'tap-postgres-ts',
      connect_timeout: 30,
      json_as_object: false,
      new_columns: 'include',
      state_interval: 10000,
      statement_timeout: 0,
      lock_timeout: 10000,
      idle_in_transaction_session_timeout: 0,
      max_retries: 5,
      retry_backoff_seconds: 1,
      max_parallel_slices: Math.min(4, availableParallelism()),
      slice_min_pages: 4096,
      replication_slot_name: 'tap_postgres_ts',
      publication_name: 'tap_postgres_ts',
      logical_idle_exit_seconds: 10,
      logical_max_run_seconds: 3600,
      progress_interval_seconds: 10,
      log_level: 'info',
      log_format: 'text',
    });
  });

  it('uses libpq defaults when nothing is configured', () => {
    const config = loadConfig([], {});
    const osUser = userInfo().username;
    expect(config.port).toBe(5432);
    expect(config.user).toBe(osUser);
    expect(config.dbname).toBe(osUser);
    expect(config.host).toBe(defaultHost(5432));
    expect(config.password).toBeUndefined();
  });

  it('picks the socket directory that has the socket, else localhost', () => {
    expect(defaultHost(5999, (path) => path === '/tmp/.s.PGSQL.5999')).toBe('/tmp');
    expect(defaultHost(5999, (path) => path.startsWith('/var/run/postgresql/'))).toBe('/var/run/postgresql');
    expect(defaultHost(5999, () => false)).toBe('localhost');
  });
});

describe('PG* environment fallback', () => {
  const env = {
    PGHOST: 'envhost', PGPORT: '6543', PGUSER: 'envuser', PGPASSWORD: 'envpw', PGDATABASE: 'envdb',
    PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/ca.pem', PGSSLCERT: '/c.pem', PGSSLKEY: '/k.pem',
    PGAPPNAME: 'envapp', PGCONNECT_TIMEOUT: '7',
  };

  it('fills every unset key from its env var, coercing numbers', () => {
    const config = loadConfig([], env);
    expect(config).toMatchObject({
      host: 'envhost', port: 6543, user: 'envuser', password: 'envpw', dbname: 'envdb', sslmode: 'verify-full',
      sslrootcert: '/ca.pem', sslcert: '/c.pem', sslkey: '/k.pem', application_name: 'envapp', connect_timeout: 7,
    });
  });

  it('config files win over env vars', () => {
    const config = loadConfig([{ host: 'filehost', port: 1234, sslmode: 'disable' }], env);
    expect(config.host).toBe('filehost');
    expect(config.port).toBe(1234);
    expect(config.sslmode).toBe('disable');
    expect(config.user).toBe('envuser');
  });

  it('ssl "true" in the config wins over PGSSLMODE', () => {
    expect(loadConfig([{ ssl: 'true' }], env).sslmode).toBe('require');
  });

  it('names the env var of a bad env value', () => {
    expect(errorOf(() => loadConfig([], { PGPORT: 'abc' })).message).toBe(
      'config: /port (from PGPORT) must be an integer 1-65535 (got "abc")',
    );
  });

  it('ignores empty env vars', () => {
    expect(loadConfig([], { PGPORT: '' }).port).toBe(5432);
  });
});

describe('merging and normalising', () => {
  it('merges files in order, later wins', () => {
    const config = loadConfig([{ ...base, port: 1 }, { port: 2, user: 'v' }, { port: '3' }], {});
    expect(config.port).toBe(3);
    expect(config.user).toBe('v');
    expect(config.host).toBe('db.example');
  });

  it('accepts database as an alias of dbname; a later file wins', () => {
    expect(loadConfig([{ database: 'a' }], {}).dbname).toBe('a');
    expect(loadConfig([{ dbname: 'a' }, { database: 'b' }], {}).dbname).toBe('b');
    expect(loadConfig([{ dbname: 'a', database: 'b' }], {}).dbname).toBe('a');
  });

  it('treats null (Meltano unset) as not given', () => {
    expect(loadConfig([{ port: 1 }, { port: null, password: null }], {}).port).toBe(1);
  });

  it('several databases: dbname as a comma list connects to the first; filter_dbs as a string or an array', () => {
    const several = loadConfig([{ ...base, dbname: 'app, sales' }], {});
    expect([several.dbname, several.databases]).toEqual(['app', ['app', 'sales']]);
    const one = loadConfig([{ ...base, dbname: 'app' }], {});
    expect([one.dbname, one.databases, one.filter_dbs]).toEqual(['app', undefined, undefined]);
    expect(loadConfig([{ ...base, filter_dbs: 'a,b' }], {}).filter_dbs).toEqual(['a', 'b']);
    expect(loadConfig([{ ...base, filter_dbs: ['a'] }], {}).filter_dbs).toEqual(['a']);
  });

  it('splits a comma string of filter_schemas and keeps arrays', () => {
    expect(loadConfig([{ filter_schemas: 'public, sales ,,x' }], {}).filter_schemas).toEqual(['public', 'sales', 'x']);
    expect(loadConfig([{ filter_schemas: ['a b', 'C'] }], {}).filter_schemas).toEqual(['a b', 'C']);
    expect(loadConfig([{ filter_schemas: '' }], {}).filter_schemas).toBeUndefined();
  });

  it.each([
    [true, 'require'],
    ['true', 'require'],
    [false, 'prefer'],
    ['false', 'prefer'],
  ])('ssl %p gives sslmode %s', (ssl, mode) => {
    expect(loadConfig([{ ssl }], {}).sslmode).toBe(mode);
  });

  it('sslmode wins over ssl', () => {
    expect(loadConfig([{ ssl: true, sslmode: 'verify-ca' }], {}).sslmode).toBe('verify-ca');
  });

  it('coerces the strings Meltano passes', () => {
    const config = loadConfig([{ port: '5555', json_as_object: 'true', state_interval: '5', connect_timeout: '0' }], {});
    expect(config).toMatchObject({ port: 5555, json_as_object: true, state_interval: 5, connect_timeout: 0 });
  });

  it('warns about unknown keys and drops them', () => {
    const { config, warnings } = loadConfigWithWarnings([{ ...base, not_a_setting: {}, nor_this: true }], {});
    expect(warnings).toEqual(['config: unknown key "not_a_setting" ignored', 'config: unknown key "nor_this" ignored']);
    expect(config).not.toHaveProperty('not_a_setting');
  });

  it('keeps the optional keys it is given', () => {
    const config = loadConfig([{ default_replication_method: 'INCREMENTAL', application_name: 'x', log_level: 'debug', log_format: 'json' }], {});
    expect(config).toMatchObject({ default_replication_method: 'INCREMENTAL', application_name: 'x', log_level: 'debug', log_format: 'json' });
  });
});
