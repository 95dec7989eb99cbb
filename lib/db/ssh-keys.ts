/**
 * The tunnel's credentials and host-key pinning. The private key is inline text or a file, in
 * OpenSSH or PEM form (PKCS#1, SEC1, and PKCS#8 RSA/ECDSA, which Node's crypto turns into the
 * PEM form ssh2 reads). Host keys are pinned as public key text (known_hosts or .pub lines) or
 * SHA256 fingerprints, as `ssh-keygen -lf` prints them.
 */
import { createHash, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { utils } from 'ssh2';
import type { SshTunnelConfig } from '../config/types';
import { InputError, SyncError } from '../errors';

const INLINE = /-----BEGIN |PuTTY-User-Key-File/;

/** The key text: inline as is (a literal `\n` as written in env vars becomes a newline), else the file's text. */
function keyText(value: string): string {
  if (INLINE.test(value)) return value.includes('\n') ? value : value.replace(/\\n/g, '\n');
  try {
    return readFileSync(value, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new InputError('CONFIG_INVALID', `config: /ssh_tunnel/private_key must be inline key text or a readable file (${reason}: ${value})`);
  }
}

/** PKCS#8 RSA/ECDSA keys as PKCS#1/SEC1 PEM; other text unchanged. */
function asSshReadable(text: string, passphrase: string | undefined): string {
  if (!/-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/.test(text)) return text;
  let key;
  try {
    key = createPrivateKey({ key: text, format: 'pem', passphrase });
  } catch {
    throw new SyncError('SSH_KEY_PASSPHRASE', 'ssh_tunnel.private_key could not be decrypted: check ssh_tunnel.private_key_password');
  }
  const type = key.asymmetricKeyType === 'rsa' ? 'pkcs1' : key.asymmetricKeyType === 'ec' ? 'sec1' : undefined;
  if (!type) {
    throw new InputError('CONFIG_INVALID', `config: /ssh_tunnel/private_key is a PKCS#8 ${key.asymmetricKeyType} key: give it in OpenSSH form (ssh-keygen writes it)`);
  }
  return key.export({ type, format: 'pem' }) as string;
}

/** The private key ssh2 will use, checked now: an encrypted key needs the right passphrase. */
export function loadPrivateKey(tunnel: SshTunnelConfig): string {
  const passphrase = tunnel.private_key_password;
  const text = asSshReadable(keyText(tunnel.private_key as string), passphrase);
  const parsed = utils.parseKey(text, passphrase);
  if (parsed instanceof Error) {
    if (/no passphrase given/i.test(parsed.message)) {
      throw new SyncError('SSH_KEY_PASSPHRASE', 'ssh_tunnel.private_key is encrypted: set ssh_tunnel.private_key_password');
    }
    if (/passphrase|decrypt/i.test(parsed.message)) {
      throw new SyncError('SSH_KEY_PASSPHRASE', 'ssh_tunnel.private_key could not be decrypted: check ssh_tunnel.private_key_password');
    }
    throw new InputError('CONFIG_INVALID', `config: /ssh_tunnel/private_key is not a private key the tunnel can use (${parsed.message})`);
  }
  return text;
}

/** `SHA256:…` of a public key blob, as OpenSSH prints it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a public key blob (e.g. ssh-ed25519). */
export function blobKeyType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString('latin1');
}

export interface PinnedHostKeys {
  fingerprints: Set<string>;
  /** Key types named by the pinned public keys, offered first in the key exchange. */
  types: string[];
}

const KEY_TYPE = /^(ssh-(rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp\d+|sk-\S+)$/;

/** host_key: one key or fingerprint a line; `#` comments allowed. */
export function pinnedHostKeys(hostKey: string): PinnedHostKeys {
  const pinned: PinnedHostKeys = { fingerprints: new Set(), types: [] };
  for (const line of hostKey.split('\n').map((entry) => entry.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const fp = /^SHA256:([A-Za-z0-9+/]{43})=?$/.exec(line);
    if (fp) {
      pinned.fingerprints.add(`SHA256:${fp[1]}`);
      continue;
    }
    const tokens = line.split(/\s+/);
    const at = tokens.findIndex((token) => KEY_TYPE.test(token));
    const blob = at >= 0 && tokens[at + 1] ? Buffer.from(tokens[at + 1], 'base64') : undefined;
    if (!blob || blobKeyType(blob) !== tokens[at]) {
      throw new InputError('CONFIG_INVALID', `config: /ssh_tunnel/host_key must hold public keys ("ssh-ed25519 AAAA...") or SHA256 fingerprints ("SHA256:..."), one a line (got ${JSON.stringify(line.slice(0, 60))})`);
    }
    pinned.fingerprints.add(fingerprint(blob));
    if (!pinned.types.includes(tokens[at])) pinned.types.push(tokens[at]);
  }
  return pinned;
}

const HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

/** ssh2 host key algorithm names for key types (an RSA key signs with SHA-2 first). */
export function hostKeyAlgorithms(types: string[]): string[] {
  return types
    .flatMap((type) => (type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type]))
    .filter((name) => HOST_KEY_ALGORITHMS.includes(name));
}
