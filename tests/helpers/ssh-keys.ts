/**
 * Key material for the SSH tunnel tests, written to a directory: the bastion's host keys and the
 * user keys the tap logs in with — RSA, ECDSA and Ed25519 in OpenSSH form, an Ed25519 key under
 * a passphrase, an RSA key in PEM (PKCS#1) form and an ECDSA key in PKCS#8 form. ssh-keygen makes
 * the OpenSSH ones when it is there, else ssh2's key generator; Node's crypto makes the PEM ones.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { utils } from 'ssh2';

export type UserKeyName = 'rsa' | 'ecdsa' | 'ed25519' | 'ed25519_encrypted' | 'rsa_pem' | 'ecdsa_pkcs8';

export interface KeyFile {
  /** Path of the private key file (mode 0600). */
  path: string;
  /** `type base64` public key line. */
  publicKey: string;
}

export interface TestKeys {
  hostKeys: KeyFile[];
  user: Record<UserKeyName, KeyFile>;
  /** Passphrase of user.ed25519_encrypted. */
  passphrase: string;
}

export const KEY_PASSPHRASE = 'correct horse battery staple';

function hasSshKeygen(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v ssh-keygen'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function publicLine(privateText: string, passphrase?: string): string {
  const parsed = utils.parseKey(privateText, passphrase);
  if (parsed instanceof Error) throw parsed;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  return `${key.type} ${key.getPublicSSH().toString('base64')}`;
}

function writeKey(path: string, text: string, passphrase?: string): KeyFile {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
  return { path, publicKey: publicLine(text, passphrase) };
}

type OpenSshType = 'rsa' | 'ecdsa' | 'ed25519';

function openSshKey(path: string, type: OpenSshType, passphrase = ''): KeyFile {
  if (hasSshKeygen()) {
    const bits = type === 'rsa' ? ['-b', '2048'] : [];
    // Few KDF rounds keep the encrypted key quick to open (the form is the same as with the default 16).
    const rounds = passphrase ? ['-a', '2'] : [];
    execFileSync('ssh-keygen', ['-q', '-t', type, ...bits, ...rounds, '-N', passphrase, '-C', 'tap-test', '-f', path], { stdio: 'ignore' });
    return { path, publicKey: readFileSync(`${path}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ') };
  }
  const options = (passphrase ? { passphrase, cipher: 'aes256-ctr', rounds: 2 } : {}) as Record<string, never>;
  const pair = type === 'ed25519'
    ? utils.generateKeyPairSync('ed25519', options)
    : utils.generateKeyPairSync(type, { bits: type === 'rsa' ? 2048 : 256, ...options });
  return writeKey(path, pair.private, passphrase || undefined);
}

export function makeKeys(dir: string): TestKeys {
  const hostKeys = (['ed25519', 'ecdsa', 'rsa'] as const).map((type) => openSshKey(join(dir, `ssh_host_${type}_key`), type));
  const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const ecPkcs8 = generateKeyPairSync('ec', { namedCurve: 'prime256v1', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const user: Record<UserKeyName, KeyFile> = {
    rsa: openSshKey(join(dir, 'id_rsa'), 'rsa'),
    ecdsa: openSshKey(join(dir, 'id_ecdsa'), 'ecdsa'),
    ed25519: openSshKey(join(dir, 'id_ed25519'), 'ed25519'),
    ed25519_encrypted: openSshKey(join(dir, 'id_ed25519_encrypted'), 'ed25519', KEY_PASSPHRASE),
    rsa_pem: writeKey(join(dir, 'id_rsa_pem'), rsaPem.privateKey),
    // ssh2 cannot read PKCS#8 itself: the authorized line comes from the SEC1 form of the same key.
    ecdsa_pkcs8: { path: join(dir, 'id_ecdsa_pkcs8'), publicKey: '' },
  };
  writeFileSync(user.ecdsa_pkcs8.path, ecPkcs8.privateKey, { mode: 0o600 });
  user.ecdsa_pkcs8.publicKey = publicLine(createPrivateKey(ecPkcs8.privateKey).export({ type: 'sec1', format: 'pem' }) as string);
  return { hostKeys, user, passphrase: KEY_PASSPHRASE };
}
