/**
 * Opening the connection for a command: the tap's postgres.js pool on the adapted config, and the
 * server's version — or a ConnectionFailed saying what to check.
 */
import { connect, type TapSql } from '../db/connect';
import { serverInfo, type ServerInfo } from '../db/server-info';
import type { SshTunnel } from '../db/ssh-tunnel';
import type { Logger } from '../log/logger';
import type { AirbyteSettings } from './config';
import { connectionProblem, ConnectionFailed } from './failure';

export interface Session {
  sql: TapSql;
  server: ServerInfo;
  /** The SSH tunnel every connection goes through, when tunnel_method names one. */
  tunnel?: SshTunnel;
  /** Closes the pool, then the tunnel. */
  close(): Promise<void>;
}

/** Connects (through the SSH tunnel, if any); on failure everything is closed and a ConnectionFailed thrown. */
export async function openSession(settings: AirbyteSettings, log: Logger, max: number): Promise<Session> {
  let tunnel: SshTunnel | undefined;
  let sql: TapSql | undefined;
  const close = async (): Promise<void> => {
    if (sql) await sql.end({ timeout: 1 }).catch(() => undefined);
    if (tunnel) await tunnel.close().catch(() => undefined);
  };
  try {
    if (settings.tap.ssh_tunnel) tunnel = await (await import('../db/ssh-tunnel')).openSshTunnel(settings.tap, log);
    sql = connect(settings.tap, { log, max, tunnel });
    return { sql, server: await serverInfo(sql), tunnel, close };
  } catch (error) {
    await close();
    throw new ConnectionFailed(connectionProblem(error, settings.tap));
  }
}
