import { loadConfig } from '../../lib/config/load-config';
import { InputError } from '../../lib/errors';

function messageOf(config: Record<string, unknown>): string {
  try {
    loadConfig([config], {});
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error('expected an InputError');
}

describe('config validation', () => {
  it.each([
    [{ port: 'abc' }, '/port must be an integer 1-65535 (got "abc")'],
    [{ port: 0 }, '/port must be an integer 1-65535 (got 0)'],
    [{ port: 70000 }, '/port must be an integer 1-65535 (got 70000)'],
    [{ port: 1.5 }, '/port must be an integer 1-65535 (got 1.5)'],
    [{ host: '' }, '/host must be a non-empty string (got "")'],
    [{ host: { name: 'h' } }, '/host must be a non-empty string (got {"name":"h"})'],
    [{ user: ['x'] }, '/user must be a non-empty string (got ["x"])'],
    [{ dbname: {} }, '/dbname must be a non-empty string (got {})'],
    [{ filter_schemas: ['a', ''] }, '/filter_schemas must be an array of non-empty strings or a comma-separated string (got ["a",""])'],
    [{ filter_schemas: { a: 1 } }, '/filter_schemas must be an array of non-empty strings or a comma-separated string (got {"a":1})'],
    [{ ssl: 'yes' }, '/ssl must be one of true, false, "true", "false" (got "yes")'],
    [{ sslmode: 'verify' }, '/sslmode must be one of "disable", "allow", "prefer", "require", "verify-ca", "verify-full" (got "verify")'],
    [{ sslrootcert: '' }, '/sslrootcert must be a non-empty string (got "")'],
    [{ connect_timeout: -1 }, '/connect_timeout must be an integer >= 0 (got -1)'],
    [{ default_replication_method: 'full' }, '/default_replication_method must be one of "FULL_TABLE", "INCREMENTAL", "LOG_BASED" (got "full")'],
    [{ json_as_object: 'maybe' }, '/json_as_object must be true or false (got "maybe")'],
    [{ state_interval: 0 }, '/state_interval must be an integer >= 1 (got 0)'],
    [{ replication_slot_name: 'Bad-Name' }, '/replication_slot_name must be a string matching ^[a-z0-9_]{1,63}$ (got "Bad-Name")'],
    [{ publication_name: 'p'.repeat(64) }, `/publication_name must be a string of 1-63 characters (got "${'p'.repeat(64)}")`],
    [{ logical_idle_exit_seconds: 'x' }, '/logical_idle_exit_seconds must be an integer >= 1 (got "x")'],
    [{ logical_max_run_seconds: 0 }, '/logical_max_run_seconds must be an integer >= 1 (got 0)'],
    [{ log_level: 'verbose' }, '/log_level must be one of "debug", "info", "warn", "error" (got "verbose")'],
    [{ log_format: 'xml' }, '/log_format must be one of "text", "json" (got "xml")'],
    [{ application_name: [] }, '/application_name must be a string (got [])'],
  ])('rejects %p', (config, expected) => {
    expect(messageOf(config)).toBe(`config: ${expected}`);
  });

  it('names every bad key in one line', () => {
    const message = messageOf({ port: 'abc', sslmode: 'x', state_interval: -5 });
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toContain('/port must');
    expect(message).toContain('/sslmode must');
    expect(message).toContain('/state_interval must');
  });

  it('never echoes a secret value', () => {
    const message = messageOf({ password: ['hunter2-secret'], sslkey: [42], port: 'x' });
    expect(message).toContain('/password must be a string');
    expect(message).toContain('/sslkey must be a non-empty string');
    expect(message).not.toContain('hunter2-secret');
    expect(message).not.toContain('42');
  });

  it('coerces scalars to the string a key needs (a numeric password stays usable)', () => {
    expect(loadConfig([{ password: 12345, host: 5, filter_schemas: 3 }], {})).toMatchObject({ password: '12345', host: '5', filter_schemas: ['3'] });
  });

  it('rejects a file that is not an object', () => {
    expect(() => loadConfig([[1, 2]], {})).toThrow('config: config file 1 must hold a JSON object');
    expect(() => loadConfig([{}, 'x'], {})).toThrow('config: config file 2 must hold a JSON object');
  });

  it('accepts every valid form', () => {
    expect(() =>
      loadConfig([{
        host: '/var/run/postgresql', port: 65535, user: 'u', password: '', dbname: 'd', filter_schemas: ['a'],
        ssl: false, sslmode: 'verify-full', sslrootcert: '-----BEGIN CERTIFICATE-----', sslcert: '/c', sslkey: '/k',
        application_name: '', connect_timeout: 0, default_replication_method: 'LOG_BASED', json_as_object: true,
        state_interval: 1, replication_slot_name: 'slot_1', publication_name: 'Pub', logical_idle_exit_seconds: 1,
        logical_max_run_seconds: 1, log_level: 'error', log_format: 'json',
      }], {}),
    ).not.toThrow();
  });
});
