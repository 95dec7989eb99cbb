/**
 * Airbyte's `tunnel_method` (the SSH settings every Airbyte database source shares) as this
 * tap's `ssh_tunnel` config group, so both reach the database through the same tunnel code:
 * NO_TUNNEL → no tunnel; SSH_KEY_AUTH → a private key; SSH_PASSWORD_AUTH → a password.
 */
import { InputError } from '../errors';

const METHODS = ['NO_TUNNEL', 'SSH_KEY_AUTH', 'SSH_PASSWORD_AUTH'];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `ssh_tunnel` group for a `tunnel_method` object; undefined when there is no tunnel. */
export function sshTunnelFromAirbyte(tunnelMethod: unknown): Record<string, unknown> | undefined {
  if (tunnelMethod === undefined || tunnelMethod === null) return undefined;
  const method = isPlainObject(tunnelMethod) ? tunnelMethod.tunnel_method : undefined;
  if (typeof method !== 'string' || !METHODS.includes(method)) {
    throw new InputError(
      'CONFIG_INVALID',
      `config: /tunnel_method/tunnel_method must be one of ${METHODS.map((m) => JSON.stringify(m)).join(', ')} (got ${JSON.stringify(method)})`,
    );
  }
  if (method === 'NO_TUNNEL') return undefined;
  const given = tunnelMethod as Record<string, unknown>;
  const group: Record<string, unknown> = {
    enable: true,
    host: given.tunnel_host,
    port: given.tunnel_port ?? 22,
    username: given.tunnel_user,
  };
  if (method === 'SSH_KEY_AUTH') group.private_key = given.ssh_key;
  else group.password = given.tunnel_user_password;
  return Object.fromEntries(Object.entries(group).filter(([, value]) => value !== undefined && value !== null));
}
