/**
 * The test server in a container (testcontainers), with TAP_POSTGRES_TEST_SERVER=docker. Same
 * settings as the throw-away cluster: wal_level=logical, TLS with a certificate for `localhost`,
 * the same pg_hba rules. The image starts as root, so its entry command first gives the key file
 * to the postgres user (PostgreSQL refuses a key others can read), then hands over to the
 * image's own entrypoint.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { writeCertificate } from './certificate';
import { hbaLines, SERVER_SETTINGS } from './cluster';

export interface StartedContainer {
  container: StartedTestContainer;
  host: string;
  port: number;
  certFile: string;
}

export async function startContainer(): Promise<StartedContainer> {
  const dir = mkdtempSync(join(tmpdir(), 'tap-postgres-ts-ct-'));
  const { certFile, keyFile } = await writeCertificate(dir);
  const hbaFile = join(dir, 'pg_hba.conf');
  writeFileSync(hbaFile, hbaLines('all'));
  const home = '/var/lib/postgresql';
  const settings = [
    ...SERVER_SETTINGS,
    `ssl_cert_file = '${home}/server.crt'`,
    `ssl_key_file = '${home}/server.key'`,
    `hba_file = '${home}/pg_hba.conf'`,
  ].flatMap((setting) => ['-c', setting.replace(/ = /, '=').replace(/'/g, '')]);
  const script = [
    'set -e',
    `install -o postgres -g postgres -m 600 /tap/server.key ${home}/server.key`,
    `install -o postgres -g postgres -m 644 /tap/server.crt ${home}/server.crt`,
    `install -o postgres -g postgres -m 644 /tap/pg_hba.conf ${home}/pg_hba.conf`,
    'exec docker-entrypoint.sh postgres "$@"',
  ].join('\n');
  const container = await new GenericContainer('postgres:15')
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_USER: 'postgres' })
    .withCopyFilesToContainer([
      { source: keyFile, target: '/tap/server.key' },
      { source: certFile, target: '/tap/server.crt' },
      { source: hbaFile, target: '/tap/pg_hba.conf' },
    ])
    .withEntrypoint(['sh', '-c', script, 'tap-entry'])
    .withCommand(settings)
    .withExposedPorts(5432)
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  const host = container.getHost() === 'localhost' ? '127.0.0.1' : container.getHost();
  return { container, host, port: container.getMappedPort(5432), certFile };
}
