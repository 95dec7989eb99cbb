/**
 * Starts the throw-away PostgreSQL cluster the integration tests run against: the local server
 * binaries (`pg_config --bindir`), its own port, `wal_level=logical`, SSL on with a generated
 * self-signed certificate (SAN DNS:localhost only, so verify-full against 127.0.0.1 must fail).
 * When run as root, initdb/pg_ctl run as the `postgres` OS user (initdb refuses root).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface StartedCluster {
  dataDir: string;
  port: number;
  certFile: string;
  bindir: string;
  asUser?: string;
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function run(cmd: string, args: string[], asUser?: string): string {
  const [file, argv] = asUser ? ['runuser', ['-u', asUser, '--', cmd, ...args]] : [cmd, args];
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Installs the PostgreSQL server and openssl from Debian's packages when they are missing. */
function ensureServerBinaries(): string {
  if (!hasCommand('pg_config') || !hasCommand('openssl')) {
    if (!isRoot || !hasCommand('apt-get')) {
      throw new Error('PostgreSQL server binaries (pg_config) or openssl not found; install postgresql and openssl, or set TAP_POSTGRES_TEST_URL');
    }
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql openssl'], { stdio: 'inherit' });
  }
  return run('pg_config', ['--bindir']).trim();
}

async function freePort(): Promise<number> {
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

/** True when the local server binaries can be used (present, or installable as root). */
export function canUseLocalServer(): boolean {
  return (hasCommand('pg_config') && hasCommand('openssl')) || (isRoot && hasCommand('apt-get'));
}

/** A self-signed certificate valid for the host name `localhost` only. */
export function writeCertificate(dir: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, 'server.crt');
  const keyFile = join(dir, 'server.key');
  execFileSync('openssl', [
    'req', '-new', '-x509', '-days', '3', '-nodes', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost',
    '-newkey', 'rsa:2048', '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'ignore' });
  return { certFile, keyFile };
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
  'synchronous_commit = off',
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

export async function startCluster(): Promise<StartedCluster> {
  const bindir = ensureServerBinaries();
  const asUser = isRoot ? 'postgres' : undefined;
  const root = mkdtempSync(join(tmpdir(), 'tap-postgres-ts-pg-'));
  const dataDir = join(root, 'data');
  const { certFile, keyFile } = writeCertificate(root);
  chmodSync(root, 0o755);
  chmodSync(keyFile, 0o600);
  chmodSync(certFile, 0o644);
  if (asUser) {
    const uid = Number(run('id', ['-u', asUser]).trim());
    const gid = Number(run('id', ['-g', asUser]).trim());
    chownSync(root, uid, gid);
    chownSync(keyFile, uid, gid);
  }
  run(join(bindir, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8'], asUser);
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
  run(join(bindir, 'pg_ctl'), ['-D', dataDir, '-l', join(root, 'server.log'), '-w', '-t', '60', 'start'], asUser);
  return { dataDir, port, certFile, bindir, asUser };
}

export function stopCluster(cluster: StartedCluster): void {
  if (!existsSync(cluster.dataDir)) return;
  try {
    run(join(cluster.bindir, 'pg_ctl'), ['-D', cluster.dataDir, '-m', 'immediate', '-w', 'stop'], cluster.asUser);
  } finally {
    execFileSync('rm', ['-rf', join(cluster.dataDir, '..')]);
  }
}
