/**
 * Logging in to a real SSH bastion (tests/helpers/sshd.ts) with every supported key kind and a
 * password, TLS verify-full inside the tunnel against the database's own host name, and the
 * tunnel's failures: each one line on stderr, exit 1, no secret printed.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../lib/config/load-config';
import { connect } from '../../lib/db/connect';
import { openSshTunnel, type SshTunnel } from '../../lib/db/ssh-tunnel';
import { createLogger } from '../../lib/log/logger';
import { testConfig, testDb } from '../helpers/db';
import { runTap, type TapRun } from '../helpers/run-tap';
import type { UserKeyName } from '../helpers/ssh-keys';
import { freePort } from '../helpers/cluster';
import { startBastion, type Bastion } from '../helpers/sshd';

let bastion: Bastion;
let noForwarding: Bastion;
const db = testDb();

function tunnelGroup(b: Bastion, login: Record<string, unknown>): Record<string, unknown> {
  return { enable: true, host: b.host, port: b.port, username: b.user, host_key: b.hostKeys.join('\n'), ...login };
}

/** Connects through the bastion in-process; resolves to what the server says and how many channels were opened. */
async function queryThrough(login: Record<string, unknown>, overrides: Record<string, unknown> = {}): Promise<{ ssl: boolean; channels: number }> {
  const config = loadConfig([testConfig({ ...overrides, ssh_tunnel: tunnelGroup(bastion, login) })], {});
  const lines: string[] = [];
  const tunnel = await openSshTunnel(config, createLogger({ sink: (line) => lines.push(line) }));
  let channels = 0;
  const counting: SshTunnel = { ...tunnel, socket: () => ((channels += 1), tunnel.socket()) };
  const sql = connect(config, { max: 1, tunnel: counting });
  try {
    const [row] = await sql<Array<{ ssl: boolean }>>`SELECT coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false) AS ssl`;
    expect(lines).toEqual([]); // the host key was pinned: no warning
    return { ssl: row.ssl, channels };
  } finally {
    await sql.end({ timeout: 1 });
    await tunnel.close();
  }
}

beforeAll(async () => {
  [bastion, noForwarding] = await Promise.all([
    startBastion({ user: 'tap_ssh_auth', password: true }),
    startBastion({ user: 'tap_ssh_auth', forwarding: false }),
  ]);
});

afterAll(async () => {
  await Promise.all([bastion?.stop(), noForwarding?.stop()]);
});

describe('logging in to the bastion', () => {
  const keyKinds: UserKeyName[] = ['rsa', 'ecdsa', 'ed25519', 'rsa_pem', 'ecdsa_pkcs8'];
  it.each(keyKinds)('with the %s key file', async (kind) => {
    expect(await queryThrough({ private_key: bastion.keys.user[kind].path })).toEqual({ ssl: false, channels: 1 });
  });

  it('with an encrypted key and its passphrase', async () => {
    const login = { private_key: bastion.keys.user.ed25519_encrypted.path, private_key_password: bastion.keys.passphrase };
    expect(await queryThrough(login)).toEqual({ ssl: false, channels: 1 });
  });

  it('with inline key text, the host key pinned by its SHA256 fingerprint', async () => {
    const fingerprints = bastion.hostKeys.map((line) => {
      const blob = Buffer.from(line.split(' ')[1], 'base64');
      return `SHA256:${require('node:crypto').createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
    });
    const login = { private_key: readFileSync(bastion.keys.user.ed25519.path, 'utf8'), host_key: fingerprints.join('\n') };
    expect(await queryThrough(login)).toEqual({ ssl: false, channels: 1 });
  });

  it('with a password', async () => {
    expect(bastion.password).not.toBe('');
    expect(await queryThrough({ password: bastion.password })).toEqual({ ssl: false, channels: 1 });
  });
});

describe('TLS inside the tunnel checks the database host name, not the bastion', () => {
  const login = () => ({ private_key: bastion.keys.user.ed25519.path });
  it('verify-full to localhost (the name in the certificate) works', async () => {
    const result = await queryThrough(login(), { host: 'localhost', sslmode: 'verify-full', sslrootcert: db.certFile });
    expect(result).toEqual({ ssl: true, channels: 1 });
  });

  it('verify-full to 127.0.0.1 (not in the certificate) is refused', async () => {
    await expect(queryThrough(login(), { host: '127.0.0.1', sslmode: 'verify-full', sslrootcert: db.certFile })).rejects.toThrow(/127\.0\.0\.1.*(altnames|not in the cert)/i);
  });
});

describe('through the CLI', () => {
  const passphrase = () => bastion.keys.passphrase;
  const encryptedKey = () => readFileSync(bastion.keys.user.ed25519_encrypted.path, 'utf8');
  const runs: Record<string, TapRun> = {};

  beforeAll(async () => {
    const closedPort = await freePort();
    const key = { private_key: bastion.keys.user.ed25519.path };
    const cases: Record<string, Record<string, unknown>> = {
      ok: { ssh_tunnel: tunnelGroup(bastion, key) },
      unpinned: { ssh_tunnel: { ...tunnelGroup(bastion, key), host_key: undefined } },
      unreachable: { ssh_tunnel: { ...tunnelGroup(bastion, key), port: closedPort } },
      badPassword: { ssh_tunnel: tunnelGroup(bastion, { password: 'not-the-password-9f8e7d' }) },
      badPassphrase: { ssh_tunnel: tunnelGroup(bastion, { private_key: encryptedKey(), private_key_password: 'wrong-passphrase-1a2b' }) },
      changedHostKey: { ssh_tunnel: tunnelGroup(bastion, { ...key, host_key: noForwarding.hostKeys[0] }) },
      forwardRefused: { ssh_tunnel: tunnelGroup(noForwarding, { private_key: noForwarding.keys.user.ed25519.path }) },
      dbUnreachable: { port: closedPort, ssh_tunnel: tunnelGroup(bastion, key) },
    };
    const names = Object.keys(cases);
    const results = await Promise.all(names.map((name) => runTap(['--test'], { config: testConfig(cases[name]) })));
    names.forEach((name, i) => (runs[name] = results[i]));
  });

  function expectOneErrorLine(run: TapRun, pattern: RegExp): void {
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(pattern);
  }

  it('--test names the bastion', () => {
    expect(runs.ok.code).toBe(0);
    expect(runs.ok.stderr).toContain(`connection OK: PostgreSQL`);
    expect(runs.ok.stderr).toContain(`through SSH bastion ${bastion.user}@127.0.0.1:${bastion.port}`);
    expect(runs.ok.stderr).not.toMatch(/WARN|ERROR/);
  });

  it('an unpinned host key is accepted with a warning that prints it', () => {
    expect(runs.unpinned.code).toBe(0);
    expect(runs.unpinned.stderr).toMatch(/WARN SSH bastion .* host key (ssh-ed25519|ecdsa-sha2-nistp256|rsa-sha2-512|ssh-rsa) SHA256:\S+ accepted without a check: set ssh_tunnel.host_key/);
  });

  it('bastion unreachable', () => {
    expectOneErrorLine(runs.unreachable, /ERROR SSH_BASTION_UNREACHABLE: cannot reach SSH bastion .*ECONNREFUSED/);
  });

  it('authentication refused, the password never printed', () => {
    expectOneErrorLine(runs.badPassword, /ERROR SSH_AUTH_FAILED: SSH bastion .* refused to authenticate user/);
    expect(runs.badPassword.stderr).not.toContain('not-the-password-9f8e7d');
  });

  it('wrong key passphrase, neither passphrase nor key printed', () => {
    expectOneErrorLine(runs.badPassphrase, /ERROR SSH_KEY_PASSPHRASE: .*private_key_password/);
    expect(runs.badPassphrase.stderr).not.toContain('wrong-passphrase-1a2b');
    expect(runs.badPassphrase.stderr).not.toContain(passphrase());
    for (const line of encryptedKey().split('\n').filter((l) => l.length > 20)) expect(runs.badPassphrase.stderr).not.toContain(line);
  });

  it('a changed host key is refused', () => {
    expectOneErrorLine(runs.changedHostKey, /ERROR SSH_HOST_KEY_MISMATCH: SSH bastion .* presented host key \S+ SHA256:\S+, which is not in ssh_tunnel.host_key/);
  });

  it('forwarding refused by the bastion', () => {
    expectOneErrorLine(runs.forwardRefused, /ERROR SSH_FORWARD_REFUSED: SSH bastion .* refused to forward to 127\.0\.0\.1:\d+/);
  });

  it('the database unreachable from the bastion', () => {
    expectOneErrorLine(runs.dbUnreachable, /ERROR SSH_DB_UNREACHABLE: SSH bastion .* cannot reach PostgreSQL at 127\.0\.0\.1:\d+/);
  });
});
