/**
 * The Airbyte `tunnel_method` through a real bastion (tests/helpers/sshd.ts): SSH_KEY_AUTH and
 * SSH_PASSWORD_AUTH reach the database through the tap's one tunnel code, for check and read; a
 * wrong password is a FAILED status that never prints the secret.
 */
import { readFileSync } from 'node:fs';
import type postgres from 'postgres';
import { adminSql } from '../helpers/db';
import { airbyteConfig, configure, discoverAirbyte, expectValidAirbyteLines, recordsOf, runSource, statuses } from '../helpers/airbyte';
import { startBastion, type Bastion } from '../helpers/sshd';

const SCHEMA = 'ab_ssh';
let bastion: Bastion;
let sql: postgres.Sql;

function keyAuth(b: Bastion): Record<string, unknown> {
  const key = readFileSync(b.keys.user.ed25519.path, 'utf8');
  return { tunnel_method: 'SSH_KEY_AUTH', tunnel_host: b.host, tunnel_port: b.port, tunnel_user: b.user, ssh_key: key };
}

beforeAll(async () => {
  sql = adminSql();
  bastion = await startBastion({ user: 'tap_ssh_airbyte', password: true });
  await sql.unsafe(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA};
    CREATE TABLE ${SCHEMA}.t (id int PRIMARY KEY, name text);
    INSERT INTO ${SCHEMA}.t SELECT g, 'n' || g FROM generate_series(1, 500) g;`);
});

afterAll(async () => {
  await sql.unsafe(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await sql.end();
  await bastion?.stop();
});

test('check and read through SSH_KEY_AUTH: every row, through the bastion', async () => {
  const config = airbyteConfig({ schemas: [SCHEMA], tunnel_method: keyAuth(bastion) });
  const check = await runSource(['check'], { config });
  expect(check.code).toBe(0);
  expectValidAirbyteLines(check.stdout);
  expect(check.messages.find((m) => m.type === 'CONNECTION_STATUS')?.connectionStatus.status).toBe('SUCCEEDED');

  const catalog = await discoverAirbyte(config);
  const run = await runSource(['read'], { config, catalog: configure(catalog, { t: { sync_mode: 'full_refresh' } }) });
  expect(run.code).toBe(0);
  expectValidAirbyteLines(run.stdout);
  expect(statuses(run.messages, 't')).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);
  expect(new Set(recordsOf(run.messages, 't').map((r) => r.id)).size).toBe(500);
});

test('SSH_PASSWORD_AUTH: SUCCEEDED with the right password, FAILED with a wrong one, the password never printed', async () => {
  const base = { tunnel_method: 'SSH_PASSWORD_AUTH', tunnel_host: bastion.host, tunnel_port: bastion.port, tunnel_user: bastion.user };
  const good = await runSource(['check'], { config: airbyteConfig({ schemas: [SCHEMA], tunnel_method: { ...base, tunnel_user_password: bastion.password } }) });
  expect(good.messages.find((m) => m.type === 'CONNECTION_STATUS')?.connectionStatus.status).toBe('SUCCEEDED');

  const secret = 'not-the-password-7f3a';
  const bad = await runSource(['check'], { config: airbyteConfig({ schemas: [SCHEMA], tunnel_method: { ...base, tunnel_user_password: secret } }) });
  expect(bad.code).toBe(0);
  expectValidAirbyteLines(bad.stdout);
  const status = bad.messages.find((m) => m.type === 'CONNECTION_STATUS')?.connectionStatus;
  expect(status.status).toBe('FAILED');
  expect(status.message).toMatch(/SSH/);
  expect(bad.stdout + bad.stderr).not.toContain(secret);
});
