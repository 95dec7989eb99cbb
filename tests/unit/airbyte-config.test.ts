import { generateKeyPairSync } from 'node:crypto';
import { adaptConfig } from '../../lib/airbyte/config';
import { jdbcParams } from '../../lib/airbyte/jdbc-params';
import { loadSpec, secretKeys } from '../../lib/airbyte/spec';

const base = { host: 'db.example.com', port: 5432, database: 'shop', username: 'airbyte', password: 'pw' };
const message = (raw: unknown): string => {
  try {
    adaptConfig(raw);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('no error');
};

describe('adaptConfig', () => {
  test('the minimal config: Standard, schemas default to public, TLS prefer, pgjdbc connect timeout', () => {
    const settings = adaptConfig(base);
    expect(settings).toMatchObject({ cdc: false, invalidCursor: 'fail', checkPrivileges: true, maxConnections: 4, warnings: [] });
    expect(settings.tap).toMatchObject({
      host: 'db.example.com', port: 5432, dbname: 'shop', user: 'airbyte', password: 'pw', filter_schemas: ['public'],
      sslmode: 'prefer', connect_timeout: 10, application_name: 'source-postgres-ts',
    });
    expect(adaptConfig({ ...base, schemas: [] }).tap.filter_schemas).toBeUndefined();
  });

  test('ssl_mode: the mode, CA, client certificate and key; underscores accepted', () => {
    const tap = adaptConfig({ ...base, ssl_mode: { mode: 'verify_full', ca_certificate: 'CA', client_certificate: 'CERT', client_key: 'KEY' } }).tap;
    expect(tap).toMatchObject({ sslmode: 'verify-full', sslrootcert: 'CA', sslcert: 'CERT', sslkey: 'KEY' });
  });

  test('an encrypted client key is decrypted with client_key_password', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'kp' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const ssl = { mode: 'verify-ca', ca_certificate: 'CA', client_key: privateKey };
    expect(adaptConfig({ ...base, ssl_mode: { ...ssl, client_key_password: 'kp' } }).tap.sslkey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(message({ ...base, ssl_mode: { ...ssl, client_key_password: 'wrong' } })).toMatch(/client_key cannot be decrypted with client_key_password/);
    expect(message({ ...base, ssl_mode: ssl })).toMatch(/client_key is encrypted: give client_key_password/);
  });

  test('CDC: slot, publication, waiting time; inert keys warn only when changed; invalid-position behaviour', () => {
    const cdc = { method: 'CDC', replication_slot: 'airbyte_slot', publication: 'airbyte_pub' };
    const settings = adaptConfig({ ...base, replication_method: { ...cdc, initial_waiting_seconds: 300, queue_size: 10000 } });
    expect(settings).toMatchObject({ cdc: true, warnings: [] });
    expect(settings.tap).toMatchObject({ replication_slot_name: 'airbyte_slot', publication_name: 'airbyte_pub', logical_idle_exit_seconds: 300 });
    const tuned = adaptConfig({ ...base, replication_method: { ...cdc, queue_size: 2000, initial_load_timeout_hours: 12, invalid_cdc_cursor_position_behavior: 'Re-sync data' } });
    expect(tuned.invalidCursor).toBe('resync');
    expect(tuned.warnings).toEqual([
      'config: replication_method.queue_size has no effect: changes stream with back-pressure; there is no queue to size',
      'config: replication_method.initial_load_timeout_hours has no effect: the initial snapshot is resumable and has no time limit',
    ]);
    expect(message({ ...base, replication_method: { ...cdc, heartbeat_action_query: 'SELECT 1' } })).toMatch(/heartbeat_action_query is not supported and must be empty/);
    expect(message({ ...base, replication_method: { ...cdc, plugin: 'wal2json' } })).toMatch(/plugin must be one of "pgoutput" \(got "wal2json"\)/);
  });

  test('keys of newer source-postgres versions: honoured or refused by name', () => {
    expect(adaptConfig({ ...base, max_db_connections: 2, check_privileges: false })).toMatchObject({ maxConnections: 2, checkPrivileges: false });
    expect(adaptConfig({ ...base, checkpoint_target_interval_seconds: 300 }).warnings[0]).toMatch(/checkpoint_target_interval_seconds has no effect/);
    expect(adaptConfig({ ...base, entra_service_principal_auth: false }).cdc).toBe(false);
    expect(message({ ...base, entra_service_principal_auth: true })).toMatch(/Entra ID authentication is not supported/);
  });

  test('every problem at once, unknown keys by path, secrets never echoed', () => {
    expect(message({ ...base, port: 'x', host: undefined, password: 7 })).toBe('config: /host is required; /port must be an integer (got "x"); /password must be of type string');
    expect(message({ ...base, sslmode: 'require', ssl_mode: { mode: 'require', sslrootcert: 'x' } })).toBe('config: /sslmode, /ssl_mode/sslrootcert: not a setting of this connector (see its spec)');
    expect(message({ ...base, ssl_mode: { mode: 'strict' } })).toMatch(/\/ssl_mode\/mode must be one of "disable", "allow", "prefer", "require", "verify-ca", "verify-full" \(got "strict"\)/);
    expect(message({ ...base, jdbc_url_params: 'sslmode=require', ssl_mode: { mode: 'disable' } })).toMatch(/jdbc_url_params sets sslmode=require, \/ssl_mode says disable/);
    expect(message([])).toBe('config: must be a JSON object');
  });

  test('tunnel_method: NO_TUNNEL is a direct connection; the SSH methods become the tap\'s ssh_tunnel group', () => {
    const direct = adaptConfig({ ...base, tunnel_method: { tunnel_method: 'NO_TUNNEL' } });
    expect(direct.cdc).toBe(false);
    expect(direct.tap.ssh_tunnel).toBeUndefined();
    const password = { tunnel_method: 'SSH_PASSWORD_AUTH', tunnel_host: 'bastion', tunnel_port: 2222, tunnel_user: 'me', tunnel_user_password: 'p' };
    expect(adaptConfig({ ...base, tunnel_method: password }).tap.ssh_tunnel).toMatchObject({ host: 'bastion', port: 2222, username: 'me', password: 'p' });
  });
});

describe('jdbcParams', () => {
  test('libpq-mappable parameters, URL-decoded; others refused by name', () => {
    expect(jdbcParams('sslmode=verify-ca&sslrootcert=%2Fcerts%2Fca.pem&connectTimeout=5&ApplicationName=my+app')).toEqual({
      sslmode: 'verify-ca', sslrootcert: '/certs/ca.pem', connect_timeout: 5, application_name: 'my app',
    });
    expect(jdbcParams('loginTimeout=7&')).toEqual({ connect_timeout: 7 });
    expect(jdbcParams(undefined)).toEqual({});
    expect(() => jdbcParams('socketTimeout=1&options=-c%20x%3Dy')).toThrow(/socketTimeout, options have no counterpart in this connector/);
    expect(() => jdbcParams('connectTimeout=soon')).toThrow(/connectTimeout must be a whole number of seconds/);
    expect(() => jdbcParams('sslmode')).toThrow(/"sslmode" is not key=value/);
  });
});

test('the spec marks the secrets', () => {
  expect([...secretKeys(loadSpec())].sort()).toEqual(['ca_certificate', 'client_key', 'client_key_password', 'password', 'ssh_key', 'tunnel_user_password']);
});
