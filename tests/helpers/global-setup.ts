/**
 * Jest global set-up: finds or starts the database every integration test uses and publishes
 * it through TAP_TEST_* environment variables (inherited by the test workers).
 *   1. TAP_POSTGRES_TEST_URL, when set (an existing server; the fixture is loaded into it);
 *   2. a throw-away cluster from the local PostgreSQL binaries (tests/helpers/cluster.ts), when
 *      they are there or can be installed (root with apt-get);
 *   3. otherwise a container (tests/helpers/container.ts) when a Docker engine is reachable.
 * Then it creates the database `tap_test` and loads tests/fixtures/*.sql into it, in name order.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { canUseLocalServer, startCluster, type StartedCluster } from './cluster';
import type { StartedContainer } from './container';

declare global {
  // eslint-disable-next-line no-var
  var __TAP_TEST_CLUSTER__: StartedCluster | undefined;
  // eslint-disable-next-line no-var
  var __TAP_TEST_CONTAINER__: StartedContainer | undefined;
}

const TEST_DB = 'tap_test';

function psql(bindir: string | undefined, url: string, args: string[]): void {
  const psqlBin = bindir ? join(bindir, 'psql') : 'psql';
  execFileSync(psqlBin, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', url, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

export default async function globalSetup(): Promise<void> {
  let host = '127.0.0.1';
  let port = 0;
  let user = 'postgres';
  let password = '';
  let bindir: string | undefined;
  let certFile = '';
  const given = process.env.TAP_POSTGRES_TEST_URL;
  if (given) {
    const url = new URL(given);
    host = url.hostname;
    port = Number(url.port || 5432);
    user = decodeURIComponent(url.username || 'postgres');
    password = decodeURIComponent(url.password);
    certFile = url.searchParams.get('sslrootcert') ?? '';
  } else if (!canUseLocalServer() && (await import('./container')).dockerReachable()) {
    const started = await (await import('./container')).startContainer();
    globalThis.__TAP_TEST_CONTAINER__ = started;
    host = started.host;
    port = started.port;
    certFile = started.certFile;
  } else {
    const cluster = await startCluster();
    globalThis.__TAP_TEST_CLUSTER__ = cluster;
    port = cluster.port;
    bindir = cluster.bindir;
    certFile = cluster.certFile;
  }
  const auth = password ? `${encodeURIComponent(user)}:${encodeURIComponent(password)}` : encodeURIComponent(user);
  const adminUrl = `postgresql://${auth}@${host}:${port}/postgres`;
  psql(bindir, adminUrl, ['-c', `DROP DATABASE IF EXISTS ${TEST_DB} WITH (FORCE)`, '-c', `CREATE DATABASE ${TEST_DB}`]);
  const fixtures = join(__dirname, '..', 'fixtures');
  const testUrl = `postgresql://${auth}@${host}:${port}/${TEST_DB}`;
  for (const file of readdirSync(fixtures).filter((name) => name.endsWith('.sql')).sort()) {
    psql(bindir, testUrl, ['-f', join(fixtures, file)]);
  }
  Object.assign(process.env, {
    TAP_TEST_HOST: host,
    TAP_TEST_PORT: String(port),
    TAP_TEST_USER: user,
    TAP_TEST_PASSWORD: password,
    TAP_TEST_DB: TEST_DB,
    TAP_TEST_CERT: certFile,
    TAP_TEST_BINDIR: bindir ?? '',
  });
}
