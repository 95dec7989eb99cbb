/**
 * The SSH tunnel (ssh_tunnel): one SSH connection to the bastion per run, opened before the
 * first query; every PostgreSQL connection of the run (pool, COPY, replication) is a forwarded
 * channel (direct-tcpip) to host:port as the bastion sees them, handed to postgres.js as its
 * `socket`. TLS runs inside the channel, so verify-full checks the database's own host name.
 * Keepalives detect a silent bastion; when the SSH connection drops, every open channel fails
 * with one SSH_TUNNEL_LOST error, as a lost PostgreSQL connection would.
 *
 * ssh2 is heavy (its WebAssembly memory alone is 16 MiB): callers load this module only for a
 * config with ssh_tunnel, and lib/db/connect.ts needs only its type.
 */
import type { Duplex } from 'node:stream';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import type { TapConfig } from '../config/types';
import { SyncError } from '../errors';
import type { Logger } from '../log/logger';
import { blobKeyType, fingerprint, hostKeyAlgorithms, loadPrivateKey, pinnedHostKeys } from './ssh-keys';

const KEEPALIVE_MS = 5000;
const KEEPALIVE_COUNT = 3;
/** SSH_MSG_CHANNEL_OPEN_FAILURE reason codes (RFC 4254 §5.1). */
const ADMINISTRATIVELY_PROHIBITED = 1;
const CONNECT_FAILED = 2;

export interface SshTunnel {
  /** `user@host:port` of the bastion, for messages. */
  readonly bastion: string;
  /** A new forwarded channel to the database; `purpose` is for the debug log. */
  socket(purpose?: string): Promise<Duplex>;
  /** Ends the SSH connection (and any channel still open). */
  close(): Promise<void>;
}

type SshError = Error & { level?: string; code?: string; reason?: number };

function connectFailure(error: SshError, bastion: string, username: string, refusedKey: string | undefined): SyncError {
  if (refusedKey) {
    return new SyncError('SSH_HOST_KEY_MISMATCH', `SSH bastion ${bastion} presented host key ${refusedKey}, which is not in ssh_tunnel.host_key: refused (pin the new key if it changed on purpose)`);
  }
  if (error.level === 'client-authentication') {
    return new SyncError('SSH_AUTH_FAILED', `SSH bastion ${bastion} refused to authenticate user ${username}: check ssh_tunnel.username and the key or password`);
  }
  if (error.level === 'client-socket' || error.level === 'client-dns' || error.level === 'client-timeout') {
    return new SyncError('SSH_BASTION_UNREACHABLE', `cannot reach SSH bastion ${bastion}: ${error.code ?? error.message}`);
  }
  return new SyncError('SSH_FAILED', `SSH connection to bastion ${bastion} failed: ${error.message}`);
}

function forwardFailure(error: SshError, bastion: string, target: string): SyncError {
  const why = error.message.replace(/^\(SSH\) Channel open failure: /, '');
  if (error.reason === ADMINISTRATIVELY_PROHIBITED) {
    return new SyncError('SSH_FORWARD_REFUSED', `SSH bastion ${bastion} refused to forward to ${target} (${why}): TCP forwarding must be allowed for this user`);
  }
  if (error.reason === CONNECT_FAILED) {
    return new SyncError('SSH_DB_UNREACHABLE', `SSH bastion ${bastion} cannot reach PostgreSQL at ${target} (${why})`);
  }
  return new SyncError('SSH_FORWARD_FAILED', `SSH bastion ${bastion} could not forward to ${target}: ${why}`);
}

/** ssh2's connection settings: credentials, pinned host keys, keepalives, the connect timeout. */
function clientConfig(config: TapConfig, verify: (key: Buffer) => boolean): ConnectConfig {
  const tunnel = config.ssh_tunnel!;
  const settings: ConnectConfig = {
    host: tunnel.host,
    port: tunnel.port,
    username: tunnel.username,
    keepaliveInterval: KEEPALIVE_MS,
    keepaliveCountMax: KEEPALIVE_COUNT,
    readyTimeout: config.connect_timeout * 1000,
    hostVerifier: verify,
  };
  if (tunnel.private_key !== undefined) settings.privateKey = loadPrivateKey(tunnel);
  if (tunnel.private_key_password !== undefined) settings.passphrase = tunnel.private_key_password;
  if (tunnel.password !== undefined) settings.password = tunnel.password;
  const preferred = tunnel.host_key ? hostKeyAlgorithms(pinnedHostKeys(tunnel.host_key).types) : [];
  if (preferred.length > 0) {
    settings.algorithms = { serverHostKey: { remove: preferred, prepend: preferred } as never };
  }
  return settings;
}

/** Connects and authenticates; the returned tunnel opens channels on demand. */
export async function openSshTunnel(config: TapConfig, log: Logger): Promise<SshTunnel> {
  const tunnel = config.ssh_tunnel!;
  const bastion = `${tunnel.username}@${tunnel.host}:${tunnel.port}`;
  const target = `${config.host}:${config.port}`;
  const pinned = tunnel.host_key ? pinnedHostKeys(tunnel.host_key) : undefined;
  let refusedKey: string | undefined;
  const verify = (key: Buffer): boolean => {
    const seen = `${blobKeyType(key)} ${fingerprint(key)}`;
    if (!pinned) {
      log.warn(`SSH bastion ${bastion} host key ${seen} accepted without a check: set ssh_tunnel.host_key to "${fingerprint(key)}" to refuse any other`);
      return true;
    }
    if (pinned.fingerprints.has(fingerprint(key))) return true;
    refusedKey = seen;
    return false;
  };
  const settings = clientConfig(config, verify);
  const client = new Client();
  const channels = new Set<ClientChannel>();
  let lost: string | undefined;
  let closing = false;

  // One 'error' listener for the whole life of the client: before 'ready' it fails the opening,
  // after it marks the tunnel lost ('close' follows and fails the open channels).
  let opening: { resolve: () => void; reject: (error: SyncError) => void } | undefined;
  client.on('error', (error: SshError) => {
    if (opening) opening.reject(connectFailure(error, bastion, tunnel.username, refusedKey));
    else lost ??= error.message;
  });
  client.on('close', () => {
    if (opening) return opening.reject(connectFailure(Object.assign(new Error('connection closed by the bastion'), { level: 'client-socket' }), bastion, tunnel.username, refusedKey));
    if (closing) return;
    lost ??= 'connection closed';
    const message = `the SSH connection to bastion ${bastion} was lost (${lost})`;
    for (const channel of channels) channel.emit('error', new SyncError('SSH_TUNNEL_LOST', message));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      opening = { resolve, reject };
      client.once('ready', () => resolve());
      client.connect(settings);
    });
  } catch (error) {
    closing = true;
    client.destroy();
    throw error;
  } finally {
    opening = undefined;
  }
  log.debug('SSH tunnel open', { bastion, target });

  const socket = (purpose = 'queries'): Promise<Duplex> =>
    new Promise((resolve, reject) => {
      if (lost) return reject(new SyncError('SSH_TUNNEL_LOST', `the SSH connection to bastion ${bastion} was lost (${lost})`));
      let settled = false;
      const timer = config.connect_timeout > 0 ? setTimeout(() => {
        settled = true;
        reject(new SyncError('SSH_DB_UNREACHABLE', `SSH bastion ${bastion} did not connect to PostgreSQL at ${target} within ${config.connect_timeout} s`));
      }, config.connect_timeout * 1000) : undefined;
      const opened = (error: Error | undefined, channel: ClientChannel): void => {
        clearTimeout(timer);
        if (settled) return void channel?.close();
        settled = true;
        if (error) return reject(forwardFailure(error as SshError, bastion, target));
        channels.add(channel);
        channel.once('close', () => channels.delete(channel));
        // postgres.js names the TLS server (SNI) after socket.host and waits on readyState to close.
        Object.assign(channel, { host: config.host });
        Object.defineProperty(channel, 'readyState', { get: () => (channels.has(channel) ? 'open' : 'closed') });
        log.debug('SSH channel open', { target, purpose, open: channels.size });
        resolve(channel);
      };
      try {
        client.forwardOut('127.0.0.1', 0, config.host, config.port, opened);
      } catch (error) {
        clearTimeout(timer);
        reject(new SyncError('SSH_TUNNEL_LOST', `the SSH connection to bastion ${bastion} was lost (${(error as Error).message})`));
      }
    });

  return {
    bastion,
    socket,
    close: () =>
      new Promise<void>((resolve) => {
        if (lost || closing) return resolve();
        closing = true;
        const timer = setTimeout(() => {
          client.destroy();
          resolve();
        }, 2000);
        client.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        client.end();
      }),
  };
}
