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
    [{ host: 123 }, '/host must be a non-empty string (got 123)'],
    [{ dbname: true }, '/dbname must be a non-empty string (got true)'],
    [{ filter_schemas: 5 }, '/filter_schemas must be an array of non-empty strings or a comma-separated string (got 5)'],
    [{ filter_schemas: ['a', 5] }, '/filter_schemas must be an array of non-empty strings or a comma-separated string (got ["a",5])'],
    [{ json_as_object: 1 }, '/json_as_object must be true or false (got 1)'],
    [{ statement_timeout: -1 }, '/statement_timeout must be an integer >= 0 (got -1)'],
    [{ lock_timeout: '5s' }, '/lock_timeout must be an integer >= 0 (got "5s")'],
    [{ idle_in_transaction_session_timeout: 1.5 }, '/idle_in_transaction_session_timeout must be an integer >= 0 (got 1.5)'],
    [{ max_retries: -1 }, '/max_retries must be an integer >= 0 (got -1)'],
    [{ retry_backoff_seconds: 'soon' }, '/retry_backoff_seconds must be a number >= 0 (got "soon")'],
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

  it('takes strings for numbers and booleans (as Meltano passes them), and a numeric password as its digits', () => {
    expect(loadConfig([{ password: 12345, port: '6543', json_as_object: 'true', retry_backoff_seconds: '0.25' }], {})).toMatchObject({
      password: '12345', port: 6543, json_as_object: true, retry_backoff_seconds: 0.25,
    });
  });

  it('never echoes a secret given with the wrong type', () => {
    const message = messageOf({ host: 1, sslkey: 987654 });
    expect(message).toBe('config: /host must be a non-empty string (got 1); /sslkey must be a non-empty string');
  });

  it('rejects a file that is not an object', () => {
    expect(() => loadConfig([[1, 2]], {})).toThrow('config: config file 1 must hold a JSON object');
    expect(() => loadConfig([{}, 'x'], {})).toThrow('config: config file 2 must hold a JSON object');
  });

  it('accepts every valid form', () => {
    expect(() =>
      loadConfig([{
        host: '/var/run/postgresql', port: 65535, user: 'u', password: '', dbname: 'd', filter_schemas: ['a'],
        ssl: false, sslmode: 'verify-full', sslrootcert: '/ca', sslcert: '/c', sslkey: '/k',
        application_name: '', connect_timeout: 0, default_replication_method: 'LOG_BASED', json_as_object: true,
        state_interval: 1, replication_slot_name: 'slot_1', publication_name: 'Pub', logical_idle_exit_seconds: 1,
        logical_max_run_seconds: 1, log_level: 'error', log_format: 'json', statement_timeout: 0, lock_timeout: 0,
        idle_in_transaction_session_timeout: 60000, max_retries: 0, retry_backoff_seconds: 0.5,
      }], {}),
    ).not.toThrow();
  });
});

describe('inline certificates and keys', () => {
  const broken = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';

  it.each([
    [{ sslrootcert: broken }, '/sslrootcert is not a valid PEM certificate (certificate 1 of 1 does not parse)'],
    [{ sslcert: 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\nMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n' }, '/sslcert holds no PEM certificate (-----BEGIN CERTIFICATE----- …)'],
    [{ sslkey: broken }, '/sslkey is not a PEM private key (-----BEGIN PRIVATE KEY----- …)'],
    [{ sslkey: '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n' }, '/sslkey is an encrypted private key; give it unencrypted (the tap takes no key passphrase)'],
  ])('rejects %p before connecting, naming the key', (config, expected) => {
    expect(messageOf(config)).toBe(`config: ${expected}`);
  });

  it('never quotes the text of a key', () => {
    expect(messageOf({ sslkey: '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END PRIVATE KEY-----' })).not.toContain('c2VjcmV0');
  });
});
