/**
 * `spec` and `check` of the Airbyte connector against the harness cluster: the status says what
 * to do, a bad connection or config never exits non-zero, only a config that is not JSON does.
 */
import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import type postgres from 'postgres';
import { airbyteConfig, expectValidAirbyteLines, ofType, runSource } from '../helpers/airbyte';
import { adminSql, testDb } from '../helpers/db';

const SCHEMA = 'ab_check';
let sql: postgres.Sql;

beforeAll(async () => {
  sql = adminSql();
  await sql.unsafe(`
    DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; DROP SCHEMA IF EXISTS ${SCHEMA}_empty CASCADE;
    CREATE SCHEMA ${SCHEMA}; CREATE SCHEMA ${SCHEMA}_empty;
    CREATE TABLE ${SCHEMA}.t (id int PRIMARY KEY);
    DROP PUBLICATION IF EXISTS ab_check_pub; CREATE PUBLICATION ab_check_pub FOR TABLE ${SCHEMA}.t;
  `);
});

afterAll(async () => {
  await sql.unsafe(`DROP PUBLICATION IF EXISTS ab_check_pub; DROP SCHEMA ${SCHEMA} CASCADE; DROP SCHEMA ${SCHEMA}_empty CASCADE;`);
  await sql.end();
});

async function status(config: unknown): Promise<{ status: string; message?: string }> {
  const run = await runSource(['check'], { config });
  expect(run.code).toBe(0);
  expect(run.stderr).toBe('');
  expectValidAirbyteLines(run.stdout);
  const statuses = ofType(run.messages, 'CONNECTION_STATUS');
  expect(statuses).toHaveLength(1);
  expect(run.messages[run.messages.length - 1]).toBe(statuses[0]);
  return statuses[0].connectionStatus;
}

test('spec: one SPEC whose connectionSpecification is a JSON Schema a pasted source-postgres config passes', async () => {
  const run = await runSource(['spec']);
  expect(run.code).toBe(0);
  expectValidAirbyteLines(run.stdout);
  expect(run.messages).toHaveLength(1);
  const spec = run.messages[0].spec;
  expect(spec.supportsIncremental).toBe(true);
  expect(spec.supported_destination_sync_modes).toEqual(expect.arrayContaining(['append', 'overwrite', 'append_dedup']));
  const validate = new Ajv({ strict: false }).compile(spec.connectionSpecification);
  const pasted = {
    host: 'db.example.com', port: 5432, database: 'shop', schemas: ['public', 'sales'], username: 'airbyte', password: 'x',
    jdbc_url_params: 'connectTimeout=20&ApplicationName=airbyte',
    ssl_mode: { mode: 'verify-full', ca_certificate: '-----BEGIN CERTIFICATE-----\n…', client_key_password: 'k' },
    replication_method: { method: 'CDC', plugin: 'pgoutput', replication_slot: 'airbyte_slot', publication: 'airbyte_publication', initial_waiting_seconds: 1200, queue_size: 10000, lsn_commit_behaviour: 'After loading Data in the destination', heartbeat_action_query: '', invalid_cdc_cursor_position_behavior: 'Fail sync', initial_load_timeout_hours: 8 },
    tunnel_method: { tunnel_method: 'NO_TUNNEL' },
  };
  expect(validate(pasted)).toBe(true);
  expect(validate({ host: 'h', port: 5432, database: 'd' })).toBe(false);
  const props = spec.connectionSpecification.properties;
  expect(props.password.airbyte_secret).toBe(true);
  expect(props.ssl_mode.oneOf.map((b: any) => b.properties.mode.const)).toEqual(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']);
  expect(props.tunnel_method.oneOf.map((b: any) => b.properties.tunnel_method.const)).toEqual(['NO_TUNNEL', 'SSH_KEY_AUTH', 'SSH_PASSWORD_AUTH']);
});

test('check: SUCCEEDED with the server version and the readable relations', async () => {
  const result = await status(airbyteConfig({ schemas: [SCHEMA] }));
  expect(result.status).toBe('SUCCEEDED');
  expect(result.message).toMatch(/PostgreSQL \d+.*1 readable/);
});

test.each([
  ['wrong password', { username: 'tap_password_user', password: 'not-the-password' }, /authentication failed for user tap_password_user: check username and password.*28P01/],
  ['missing database', { database: 'ab_no_such_db' }, /database ab_no_such_db does not exist.*check database.*3D000/],
  ['nothing listening', { port: 1 }, /cannot reach PostgreSQL at 127\.0\.0\.1:1: check host and port/],
  ['unknown host', { host: 'no-such-host.invalid' }, /host no-such-host\.invalid not found: check host/],
  ['TLS required by the server', { username: 'tap_ssl_only_user' }, /refused user tap_ssl_only_user.*ssl_mode/],
  ['a certificate for another host name', { ssl_mode: { mode: 'verify-full', ca_certificate: readFileSync(testDb().certFile, 'utf8') } }, /TLS failure with 127\.0\.0\.1.*check ssl_mode and the certificates/],
  ['no readable table', { schemas: [`${SCHEMA}_empty`] }, /no table or view in schema\(s\) ab_check_empty is readable by user .*GRANT SELECT ON ALL TABLES IN SCHEMA "ab_check_empty"/],
  ['an invalid config', { port: 'abc', host: undefined }, /config: .*\/host is required.*\/port must be an integer \(got "abc"\)/],
])('check: %s → FAILED, exit 0', async (_name, overrides, message) => {
  const result = await status(airbyteConfig({ schemas: [SCHEMA], ...overrides }));
  expect(result.status).toBe('FAILED');
  expect(result.message).toMatch(message);
});

test('check in CDC mode reports each missing piece of the set-up with its fix', async () => {
  const cdc = (slot: string, publication: string) => airbyteConfig({ schemas: [SCHEMA], replication_method: { method: 'CDC', replication_slot: slot, publication } });
  const missing = await status(cdc('ab_no_slot', 'ab_no_pub'));
  expect(missing.status).toBe('FAILED');
  expect(missing.message).toMatch(/replication slot ab_no_slot does not exist: SELECT pg_create_logical_replication_slot\('ab_no_slot', 'pgoutput'\)/);
  expect(missing.message).toMatch(/publication ab_no_pub does not exist: CREATE PUBLICATION/);
  await sql`SELECT pg_create_logical_replication_slot('ab_check_slot', 'pgoutput')`;
  try {
    expect((await status(cdc('ab_check_slot', 'ab_check_pub'))).status).toBe('SUCCEEDED');
    await sql.unsafe(`ALTER PUBLICATION ab_check_pub DROP TABLE ${SCHEMA}.t`);
    const uncovered = await status(cdc('ab_check_slot', 'ab_check_pub'));
    expect(uncovered.message).toMatch(/publication ab_check_pub covers none of the readable tables in schema\(s\) ab_check: ALTER PUBLICATION "ab_check_pub" ADD TABLE "ab_check"."t"/);
  } finally {
    await sql`SELECT pg_drop_replication_slot('ab_check_slot')`;
  }
});

test('check: a config that is not JSON is an ERROR trace (config_error) and a non-zero exit', async () => {
  const run = await runSource(['check'], { config: '{"host": ' });
  expect(run.code).not.toBe(0);
  expectValidAirbyteLines(run.stdout);
  expect(run.messages).toHaveLength(1);
  expect(run.messages[0].trace.error).toMatchObject({ failure_type: 'config_error', message: expect.stringMatching(/--config .*not valid JSON/) });
});
