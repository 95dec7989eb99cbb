/**
 * Secrets of a source-postgres config — the password, the client key (encrypted here) and its
 * password — never reach stdout or stderr, whether the commands succeed or fail.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type postgres from 'postgres';
import { airbyteConfig, configure, discoverAirbyte, expectValidAirbyteLines, ofType, recordsOf, runSource } from '../helpers/airbyte';
import { adminSql, testDb } from '../helpers/db';
import type { TapRun } from '../helpers/run-tap';

const SCHEMA = 'ab_secret';
const PASSWORD = 'S3cret-pw!"quote#42'; // tap_password_user's (tests/fixtures/10-cli-roles.sql)
const KEY_PASSWORD = 'key-Passphrase-9f3b';
let sql: postgres.Sql;
let clientCert: string;
let plainKey: string;
let encryptedKey: string;

/** Text that must never be printed: each secret, and a line from the middle of each key. */
function secretsIn(output: string): string[] {
  const keyLine = (pem: string) => pem.split('\n')[5];
  const needles = [PASSWORD, KEY_PASSWORD, keyLine(plainKey), keyLine(encryptedKey), JSON.stringify(PASSWORD).slice(1, -1)];
  return needles.filter((needle) => output.includes(needle));
}

function expectNoSecrets(run: TapRun): void {
  expect(secretsIn(run.stdout + run.stderr)).toEqual([]);
}

beforeAll(async () => {
  sql = adminSql();
  await sql.unsafe(`
    DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA};
    CREATE TABLE ${SCHEMA}.t (id int PRIMARY KEY, v text); INSERT INTO ${SCHEMA}.t VALUES (1, 'a'), (2, 'b');
    GRANT USAGE ON SCHEMA ${SCHEMA} TO tap_password_user; GRANT SELECT ON ${SCHEMA}.t TO tap_password_user;
  `);
  const dir = mkdtempSync(join(tmpdir(), 'ab-client-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=tap_password_user',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    clientCert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    plainKey = createPrivateKey(readFileSync(join(dir, 'key.pem'), 'utf8')).export({ type: 'pkcs8', format: 'pem' }).toString();
    encryptedKey = createPrivateKey(plainKey).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: KEY_PASSWORD }).toString();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

afterAll(async () => {
  await sql.unsafe(`DROP SCHEMA ${SCHEMA} CASCADE`);
  await sql.end();
});

function secretConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return airbyteConfig({
    host: 'localhost', // the harness certificate names localhost only
    username: 'tap_password_user',
    password: PASSWORD,
    schemas: [SCHEMA],
    ssl_mode: { mode: 'verify-full', ca_certificate: readFileSync(testDb().certFile, 'utf8'), client_certificate: clientCert, client_key: encryptedKey, client_key_password: KEY_PASSWORD },
    ...overrides,
  });
}

test('check, discover and read with every secret set: they work, and print none of them', async () => {
  const config = secretConfig();
  const check = await runSource(['check'], { config });
  expectNoSecrets(check);
  expectValidAirbyteLines(check.stdout);
  expect(ofType(check.messages, 'CONNECTION_STATUS')[0].connectionStatus.status).toBe('SUCCEEDED');
  const catalog = await discoverAirbyte(config);
  const read = await runSource(['read'], { config, catalog: configure(catalog, { t: { sync_mode: 'full_refresh' } }) });
  expectNoSecrets(read);
  expect(read.code).toBe(0);
  expectValidAirbyteLines(read.stdout);
  expect(recordsOf(read.messages, 't')).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }]);
});

test.each([
  ['a wrong password', { password: `${PASSWORD}-wrong` }],
  ['a wrong key password', { ssl_mode: { mode: 'verify-full', ca_certificate: 'x', client_key: '-----BEGIN ENCRYPTED PRIVATE KEY-----\nbad', client_key_password: KEY_PASSWORD } }],
  ['an invalid config holding the secrets', { port: 'not a port', password: PASSWORD }],
  ['the password where a number belongs', { port: PASSWORD }],
])('failures print no secret: %s', async (_name, overrides) => {
  const config = secretConfig(overrides);
  for (const command of ['check', 'discover', 'read']) {
    const run = await runSource([command], { config, catalog: command === 'read' ? { streams: [] } : undefined });
    expectValidAirbyteLines(run.stdout);
    expectNoSecrets(run);
    expect(run.stdout).toMatch(command === 'check' ? /"status":"FAILED"/ : /"failure_type":"config_error"/);
  }
});
