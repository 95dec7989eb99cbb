/**
 * The validated `ssh_tunnel` group as the tunnel reads it: present only when enabled, and then
 * complete — a bastion host, a user, and a private key or a password.
 */
import { InputError } from '../errors';
import { isPlainObject } from './dotted';
import type { SshTunnelConfig } from './types';

export function sshTunnelConfig(group: unknown): SshTunnelConfig | undefined {
  if (!isPlainObject(group) || group.enable !== true) return undefined;
  const missing: string[] = [];
  if (group.host === undefined) missing.push('/ssh_tunnel/host');
  if (group.username === undefined) missing.push('/ssh_tunnel/username');
  if (group.private_key === undefined && group.password === undefined) missing.push('/ssh_tunnel/private_key or /ssh_tunnel/password');
  if (missing.length > 0) {
    throw new InputError('CONFIG_INVALID', `config: /ssh_tunnel/enable is true but ${missing.join(', ')} is not set`);
  }
  const tunnel: SshTunnelConfig = {
    host: group.host as string,
    port: (group.port as number | undefined) ?? 22,
    username: group.username as string,
  };
  const optional = ['private_key', 'private_key_password', 'password', 'host_key'] as const;
  for (const key of optional) if (typeof group[key] === 'string') tunnel[key] = group[key] as string;
  return tunnel;
}
