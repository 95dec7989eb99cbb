/**
 * The documented example configs of singer-io, pipelinewise and MeltanoLabs tap-postgres
 * (tests/fixtures/variants/) load, and every key in them lands where docs/COMPATIBILITY.md says:
 * on this tap's key of the same meaning, as a note, or as an exit-2 refusal.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadConfigWithWarnings } from '../../lib/config/load-config';
import { collectSecretValues, createRedactor, secretKeys } from '../../lib/config/redact';
import { clauseProblem } from '../../lib/config/row-filters';
import { loadConfigSchema } from '../../lib/config/schema';
import { rowBounds } from '../../lib/catalog/stream-options';
import { InputError } from '../../lib/errors';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'variants', `${name}.json`), 'utf8')) as Record<string, unknown>;

function refusal(config: Record<string, unknown>): InputError {
  try {
    loadConfigWithWarnings([config], {});
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).exitCode).toBe(2);
    expect((error as InputError).message).not.toMatch(/\n/);
    return error as InputError;
  }
  throw new Error('expected the config to be refused');
}

test('singer-io: the sample config (SSH keys, default method and key, ssl) and its string booleans', () => {
  const { config, warnings } = loadConfigWithWarnings([fixture('singer-io')], {});
  expect(config).toMatchObject({
    host: 'host',
    port: 5432,
    user: 'user',
    dbname: 'dbname',
    sslmode: 'require',
    default_replication_method: 'INCREMENTAL',
    default_replication_key: 'updated_at',
    include_schemas_in_destination_stream_name: true,
    logical_idle_exit_seconds: 1800,
    ssh_tunnel: { host: 'jumpserver.mydomain.com', port: 22, username: 'username', private_key: join(homedir(), '.ssh/my-key.pem') },
  });
  expect(warnings).toEqual([
    expect.stringMatching(/^config: itersize has no effect/),
    expect.stringMatching(/^config: wal2json_message_format has no effect/),
  ]);
});

test('pipelinewise: README keys', () => {
  const { config, warnings } = loadConfigWithWarnings([fixture('pipelinewise')], {});
  expect(config).toMatchObject({
    dbname: 'db',
    sslmode: 'require',
    filter_schemas: ['public', 'sales'],
    logical_idle_exit_seconds: 10800,
    logical_max_run_seconds: 43200,
    replication_slot_name: 'tap_postgres_ts_my_tap',
    default_replication_method: 'INCREMENTAL',
    limit: 1000,
  });
  expect(warnings.map((w) => w.split(' ')[1])).toEqual(['itersize', 'wal2json_message_format', 'break_at_end_lsn']);
});

test('MeltanoLabs: README and tap settings', () => {
  const { config, warnings } = loadConfigWithWarnings([fixture('meltanolabs')], {});
  expect(config).toMatchObject({
    dbname: 'db_name',
    filter_schemas: ['public'],
    sslmode: 'verify-full',
    sslrootcert: join(homedir(), '.postgresql/root.crl'),
    sslcert: join(homedir(), '.postgresql/postgresql.crt'),
    sslkey: join(homedir(), '.postgresql/postgresql.key'),
    max_record_count: 100,
    json_as_object: true,
    stream_options: { 'public-orders': { custom_where_clauses: ["status = 'paid'", 'amount > 0'] } },
    default_replication_method: 'FULL_TABLE',
    replication_slot_name: 'tappostgres',
    logical_max_run_seconds: 600,
    logical_idle_exit_seconds: 60,
    emit_activate_version_messages: false,
  });
  expect(config.ssh_tunnel).toBeUndefined();
  expect(warnings.map((w) => w.split(' ')[1])).toEqual(['ssl_storage_directory']);
});

test('MeltanoLabs: sqlalchemy_url becomes the connection keys; libpq parameters apply', () => {
  const { config } = loadConfigWithWarnings([{ ...fixture('meltanolabs-url'), host: 'other' }], { PGHOST: 'env-host' });
  expect(config).toMatchObject({
    host: 'localhost',
    port: 5432,
    user: 'user',
    password: 'p@ss',
    dbname: 'db_name',
    sslmode: 'require',
    application_name: 'etl',
    connect_timeout: 5,
  });
  const plain = loadConfigWithWarnings([{ url: 'postgresql:///app?host=/var/run/postgresql&options=-c%20search_path%3Dapp' }], {}).config;
  expect(plain).toMatchObject({ host: '/var/run/postgresql', dbname: 'app', options: '-c search_path=app' });
});

test('connection URLs: unknown parameters, other schemes and a bad port are refused without echoing the URL', () => {
  const url = 'postgresql://u:hunter2@h/db?sslmode=require&keepalives=1&target_session_attrs=any';
  const unknown = refusal({ sqlalchemy_url: url });
  expect(unknown.message).toBe(
    'config: /sqlalchemy_url has connection parameter(s) this tap does not know: keepalives, target_session_attrs (known: host, port, user, password, dbname, sslmode, sslrootcert, sslcert, sslkey, application_name, connect_timeout, options)',
  );
  expect(refusal({ url: 'mysql://u:hunter2@h/db' }).message).toBe('config: /url must start with postgresql:// or postgresql+<driver>:// (got mysql://)');
  expect(refusal({ url: 'postgresql://u:hunter2@h:99999/db' }).message).not.toContain('hunter2');
  expect(refusal({ url: 'postgresql://u:hunter2@h/db', sqlalchemy_url: 'postgresql://h/db' }).message).toMatch(/give one/);
});

test.each([
  [{ use_singer_decimal: 'true' }, 'config: use_singer_decimal is not supported'],
  [{ use_singer_decimal: true }, 'config: use_singer_decimal is not supported'],
  [{ auto_bootstrap_log_based: false }, 'config: auto_bootstrap_log_based false is not supported'],
  [{ flattening_enabled: 'true', flattening_max_depth: 3 }, 'config: flattening_enabled is not supported'],
  [{ debug_lsn: 'yes' }, 'config: debug_lsn must be true or false (got "yes")'],
  [{ ssl_client_certificate_enable: true }, 'config: ssl_client_certificate_enable needs ssl_client_certificate and ssl_client_private_key'],
  [{ max_run_seconds: 'soon' }, 'config: /logical_max_run_seconds (from max_run_seconds) must be an integer >= 1 (got "soon")'],
])('refused: %j', (config, line) => {
  expect(refusal(config).message.startsWith(line)).toBe(true);
});

test('accepted with a note: values that change nothing here', () => {
  const { config, warnings } = loadConfigWithWarnings([{ debug_lsn: 'false', log_based_single_connection: false, dates_as_string: false, use_singer_decimal: 'false', auto_bootstrap_log_based: 'true' }], {});
  expect(warnings).toEqual([
    'config: debug_lsn false has no effect: LOG_BASED records always carry _sdc_lsn',
    'config: log_based_single_connection false has no effect: LOG_BASED streams always share one replication connection',
  ]);
  expect(config.dates_as_string).toBe(false);
  expect(loadConfigWithWarnings([{ dates_as_string: 'true' }], {}).config.dates_as_string).toBe(true);
});

test('the SDK settings for flattening and faker change nothing when flattening is off: a note each', () => {
  const { warnings } = loadConfigWithWarnings([{ flattening_enabled: false, flattening_max_depth: 3, faker_config: { seed: 1 } }], {});
  expect(warnings).toEqual([
    'config: flattening_enabled false has no effect: records are never flattened',
    'config: faker_config has no effect: stream map expressions have no fake() here',
    'config: flattening_max_depth has no effect: records are not flattened',
  ]);
});

test("this tap's own key wins over a variant alias, with a note", () => {
  const { config, warnings } = loadConfigWithWarnings([{ logical_max_run_seconds: 5, max_run_seconds: 43200 }], {});
  expect(config.logical_max_run_seconds).toBe(5);
  expect(warnings).toEqual(['config: max_run_seconds ignored: logical_max_run_seconds is set']);
});

test('custom_where_clauses: one expression each', () => {
  expect(clauseProblem("name = 'a;b' AND (x > 1)")).toBeUndefined();
  expect(clauseProblem('"we""ird" IS NOT NULL')).toBeUndefined();
  expect(clauseProblem('true; DROP TABLE t')).toBe("holds ';'");
  expect(clauseProblem('true) OR (1 = 1')).toBe('closes a parenthesis it did not open');
  expect(clauseProblem('x = 1 -- note')).toBe('holds a comment');
  expect(clauseProblem("x = 'open")).toBe("leaves a ' quote open");
  expect(clauseProblem('x = $$a$$')).toMatch(/^holds \$/);
  expect(refusal({ stream_options: { 'public-t': { custom_where_clauses: ['x > 1', 'y = 2;'] } } }).message).toBe(
    "config: /stream_options/public-t/custom_where_clauses/1 holds ';': each clause must be one SQL expression",
  );
  expect(refusal({ stream_options: { 'public-t': { where: 'x' } } }).message).toMatch(/^config: \/stream_options must be an object/);
});

test('the password inside a connection URL is a secret of its own, decoded and encoded', () => {
  const keys = secretKeys(loadConfigSchema());
  const values = collectSecretValues([fixture('meltanolabs-url')], keys);
  expect(values).toContain('p@ss');
  const redactor = createRedactor(keys, values);
  expect(redactor.text('auth p@ss / p%40ss failed')).toBe('auth [REDACTED] / [REDACTED] failed');
});

test('row bounds per method: limit only for INCREMENTAL, the smaller limit wins, LOG_BASED takes neither', () => {
  const config = loadConfigWithWarnings([{ limit: 50, max_record_count: 20, stream_options: { 'public-t': { custom_where_clauses: 'x > 1' } } }], {}).config;
  expect(rowBounds('public-t', 'INCREMENTAL', config)).toEqual({ where: ['x > 1'], limit: 20 });
  expect(rowBounds('public-u', 'FULL_TABLE', { ...config, max_record_count: undefined })).toEqual({});
  expect(rowBounds('public-u', 'INCREMENTAL', { ...config, max_record_count: undefined })).toEqual({ limit: 50 });
  expect(rowBounds('public-u', 'LOG_BASED', config)).toEqual({});
  expect(() => rowBounds('public-t', 'LOG_BASED', config)).toThrow(/cannot filter a LOG_BASED stream's changes/);
});
