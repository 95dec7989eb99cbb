/**
 * What the connected server is: its version string and number (e.g. 150020), and whether the
 * tap supports it.
 */
import { SyncError } from '../errors';
import type { TapSql } from './connect';

export interface ServerInfo {
  version: string;
  versionNum: number;
}

/** The oldest server the tap is tested on (the version matrix): PostgreSQL 12. */
export const MIN_SERVER_VERSION_NUM = 120000;

export async function serverInfo(sql: TapSql): Promise<ServerInfo> {
  const [row] = await sql<Array<{ version: string; version_num: string }>>`
    SELECT current_setting('server_version') AS version,
           current_setting('server_version_num') AS version_num`;
  return { version: row.version, versionNum: Number(row.version_num) };
}

/** Stops on a server older than the oldest supported one: one line, exit 1. */
export function checkSupported(server: ServerInfo): void {
  if (server.versionNum >= MIN_SERVER_VERSION_NUM) return;
  const oldest = Math.floor(MIN_SERVER_VERSION_NUM / 10000);
  throw new SyncError('SERVER_TOO_OLD', `PostgreSQL ${server.version.split(' ')[0]} is older than ${oldest}, the oldest this tap supports; upgrade the server`);
}
