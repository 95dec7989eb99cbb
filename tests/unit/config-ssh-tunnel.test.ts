import { sshTunnelFromAirbyte } from '../../lib/airbyte/tunnel-method';
import { loadConfigWithWarnings, loadConfig } from '../../lib/config/load-config';
import { collectSecretValues, createRedactor, secretKeys } from '../../lib/config/redact';
import { loadConfigSchema } from '../../lib/config/schema';
import { InputError } from '../../lib/errors';

const base = { host: 'db.internal', port: 5432, user: 'u', dbname: 'd' };
const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAkey-text\n-----END OPENSSH PRIVATE KEY-----\n';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error('expected an InputError');
}

describe('ssh_tunnel config', () => {
  it('is absent unless enabled', () => {
    expect(loadConfig([base], {}).ssh_tunnel).toBeUndefined();
    expect(loadConfig([{ ...base, ssh_tunnel: { enable: false, host: 'b' } }], {}).ssh_tunnel).toBeUndefined();
  });

  it('reads the nested group, port 22 by default', () => {
    const config = loadConfig([{ ...base, ssh_tunnel: { enable: true, host: 'bastion', username: 'me', private_key: KEY } }], {});
    expect(config.ssh_tunnel).toEqual({ host: 'bastion', port: 22, username: 'me', private_key: KEY });
  });

  it("reads Meltano's flat names, values as strings, and lets the nested value win", () => {
    const flat = {
      ...base,
      'ssh_tunnel.enable': 'true',
      'ssh_tunnel.host': 'bastion',
      'ssh_tunnel.port': '2222',
      'ssh_tunnel.username': 'me',
      'ssh_tunnel.password': 'pw',
      'ssh_tunnel.private_key_password': null,
    };
    expect(loadConfig([flat], {}).ssh_tunnel).toEqual({ host: 'bastion', port: 2222, username: 'me', password: 'pw' });
    const both = { ...flat, ssh_tunnel: { host: 'nested' } };
    expect(loadConfig([both], {}).ssh_tunnel?.host).toBe('nested');
  });

  it('falls back to the TAP_POSTGRES_TS_SSH_TUNNEL_* environment variables', () => {
    const env = {
      TAP_POSTGRES_TS_SSH_TUNNEL_ENABLE: 'true',
      TAP_POSTGRES_TS_SSH_TUNNEL_HOST: 'env-bastion',
      TAP_POSTGRES_TS_SSH_TUNNEL_USERNAME: 'env-user',
      TAP_POSTGRES_TS_SSH_TUNNEL_PRIVATE_KEY: '/keys/id_ed25519',
    };
    expect(loadConfig([base], env).ssh_tunnel).toEqual({ host: 'env-bastion', port: 22, username: 'env-user', private_key: '/keys/id_ed25519' });
    const fromFile = loadConfig([{ ...base, ssh_tunnel: { host: 'file-bastion' } }], env).ssh_tunnel;
    expect(fromFile).toMatchObject({ host: 'file-bastion', username: 'env-user' });
  });

  it('an enabled tunnel needs a host, a user and a key or password', () => {
    expect(messageOf(() => loadConfig([{ ...base, ssh_tunnel: { enable: true } }], {}))).toBe(
      'config: /ssh_tunnel/enable is true but /ssh_tunnel/host, /ssh_tunnel/username, /ssh_tunnel/private_key or /ssh_tunnel/password is not set',
    );
  });

  it('names a bad value inside the group, its source, and never a secret value', () => {
    const env = { TAP_POSTGRES_TS_SSH_TUNNEL_PORT: 'twenty-two' };
    const message = messageOf(() => loadConfig([{ ...base, ssh_tunnel: { enable: 'yes', password: 12 } }], env));
    expect(message).toBe(
      'config: /ssh_tunnel/enable must be true or false (got "yes"); /ssh_tunnel/port (from TAP_POSTGRES_TS_SSH_TUNNEL_PORT) must be an integer 1-65535 (got "twenty-two")',
    );
    expect(messageOf(() => loadConfig([{ ...base, ssh_tunnel: 'on' }], {}))).toBe('config: /ssh_tunnel must be an object (got "on")');
    expect(messageOf(() => loadConfig([{ ...base, ssh_tunnel: { private_key: ['x'] } }], {}))).toBe('config: /ssh_tunnel/private_key must be a non-empty string');
  });

  it('warns about unknown keys inside the group', () => {
    const { warnings, config } = loadConfigWithWarnings([{ ...base, ssh_tunnel: { enable: true, host: 'b', username: 'u', password: 'p', hostkey: 'x' } }], {});
    expect(warnings).toEqual(['config: unknown key "ssh_tunnel.hostkey" ignored']);
    expect(config.ssh_tunnel).toEqual({ host: 'b', port: 22, username: 'u', password: 'p' });
  });

  it('redacts the tunnel secrets, nested or flat', () => {
    const schema = loadConfigSchema();
    const keys = secretKeys(schema);
    const raw = [{ ssh_tunnel: { private_key: KEY, private_key_password: 'pass-phrase' } }, { 'ssh_tunnel.password': 'flat-pw' }];
    const redactor = createRedactor(keys, collectSecretValues(raw, keys));
    const text = redactor.text(`key ${KEY} phrase pass-phrase pw flat-pw`);
    expect(text).not.toMatch(/key-text|pass-phrase|flat-pw/);
    expect(redactor.object({ ssh_tunnel: { host: 'b', private_key: '/path/key' } })).toEqual({ ssh_tunnel: { host: 'b', private_key: '[REDACTED]' } });
  });
});

describe("Airbyte's tunnel_method", () => {
  it('NO_TUNNEL (or none) is no tunnel', () => {
    expect(sshTunnelFromAirbyte(undefined)).toBeUndefined();
    expect(sshTunnelFromAirbyte({ tunnel_method: 'NO_TUNNEL' })).toBeUndefined();
  });

  it('SSH_KEY_AUTH maps to a key login', () => {
    const method = { tunnel_method: 'SSH_KEY_AUTH', tunnel_host: 'bastion', tunnel_port: 2222, tunnel_user: 'me', ssh_key: KEY };
    const group = sshTunnelFromAirbyte(method);
    expect(group).toEqual({ enable: true, host: 'bastion', port: 2222, username: 'me', private_key: KEY });
    expect(loadConfig([{ ...base, ssh_tunnel: group }], {}).ssh_tunnel).toEqual({ host: 'bastion', port: 2222, username: 'me', private_key: KEY });
  });

  it('SSH_PASSWORD_AUTH maps to a password login, port 22 by default', () => {
    const method = { tunnel_method: 'SSH_PASSWORD_AUTH', tunnel_host: 'bastion', tunnel_user: 'me', tunnel_user_password: 'pw' };
    expect(sshTunnelFromAirbyte(method)).toEqual({ enable: true, host: 'bastion', port: 22, username: 'me', password: 'pw' });
  });

  it('an unknown method is bad input', () => {
    expect(messageOf(() => sshTunnelFromAirbyte({ tunnel_method: 'SSH_AGENT' }))).toBe(
      'config: /tunnel_method/tunnel_method must be one of "NO_TUNNEL", "SSH_KEY_AUTH", "SSH_PASSWORD_AUTH" (got "SSH_AGENT")',
    );
  });
});
