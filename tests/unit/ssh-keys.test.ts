import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utils } from 'ssh2';
import { blobKeyType, fingerprint, hostKeyAlgorithms, loadPrivateKey, pinnedHostKeys } from '../../lib/db/ssh-keys';
import { InputError, SyncError } from '../../lib/errors';

const ed = utils.generateKeyPairSync('ed25519');
const encrypted = utils.generateKeyPairSync('ed25519', { passphrase: 'right', cipher: 'aes256-ctr', rounds: 2 });
const blob = Buffer.from(ed.public.split(' ')[1], 'base64');
const tunnel = (login: Record<string, string>) => ({ host: 'b', port: 22, username: 'u', ...login });

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('host keys', () => {
  it('reads the key type and the SHA256 fingerprint of a blob', () => {
    expect(blobKeyType(blob)).toBe('ssh-ed25519');
    expect(fingerprint(blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('pins public key lines (bare, .pub with comment, known_hosts with host names) and fingerprints', () => {
    const fp = fingerprint(blob);
    for (const text of [ed.public, `${ed.public} root@bastion`, `[bastion]:2222,10.0.0.1 ${ed.public}`, fp, `${fp}=`, `# pinned\n\n${fp}`]) {
      expect([...pinnedHostKeys(text).fingerprints]).toEqual([fp]);
    }
    expect(pinnedHostKeys(ed.public).types).toEqual(['ssh-ed25519']);
    expect(pinnedHostKeys(`${fp}\n${ed.public}`).fingerprints.size).toBe(1);
  });

  it('a host_key that is neither is bad input', () => {
    const error = thrown(() => pinnedHostKeys('bastion.example.com'));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/^config: \/ssh_tunnel\/host_key must hold public keys/);
    expect(thrown(() => pinnedHostKeys('ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAI'))).toBeInstanceOf(InputError); // type and blob disagree
  });

  it('offers the pinned key types first (RSA with SHA-2 signatures)', () => {
    expect(hostKeyAlgorithms(['ssh-rsa', 'ssh-ed25519', 'sk-ssh-ed25519@openssh.com'])).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']);
  });
});

describe('private keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tap-ssh-keys-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes inline text, text with literal \\n (as in an env var) and a file path', () => {
    expect(loadPrivateKey(tunnel({ private_key: ed.private }))).toBe(ed.private);
    expect(loadPrivateKey(tunnel({ private_key: ed.private.replace(/\n/g, '\\n') }))).toBe(ed.private);
    const path = join(dir, 'id');
    writeFileSync(path, ed.private);
    expect(loadPrivateKey(tunnel({ private_key: path }))).toBe(ed.private);
  });

  it('an unreadable file or a non-key is bad input (exit 2)', () => {
    const missing = thrown(() => loadPrivateKey(tunnel({ private_key: join(dir, 'nope') })));
    expect(missing).toBeInstanceOf(InputError);
    expect(missing.message).toMatch(/must be inline key text or a readable file \(ENOENT: /);
    const garbage = thrown(() => loadPrivateKey(tunnel({ private_key: '-----BEGIN NONSENSE-----\nxx\n-----END NONSENSE-----' })));
    expect(garbage).toBeInstanceOf(InputError);
  });

  it('an encrypted key needs the right passphrase (exit 1), and the error holds neither', () => {
    expect(loadPrivateKey(tunnel({ private_key: encrypted.private, private_key_password: 'right' }))).toBe(encrypted.private);
    const none = thrown(() => loadPrivateKey(tunnel({ private_key: encrypted.private })));
    expect(none).toBeInstanceOf(SyncError);
    expect(none.message).toBe('ssh_tunnel.private_key is encrypted: set ssh_tunnel.private_key_password');
    const wrong = thrown(() => loadPrivateKey(tunnel({ private_key: encrypted.private, private_key_password: 'wrong' })));
    expect((wrong as SyncError).code).toBe('SSH_KEY_PASSPHRASE');
    expect(wrong.message).not.toContain('wrong');
  });
});
