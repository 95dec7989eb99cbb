/** What the connected server is: its version string and number (e.g. 150020). */
import type { TapSql } from './connect';

export interface ServerInfo {
  version: string;
  versionNum: number;
}

export async function serverInfo(sql: TapSql): Promise<ServerInfo> {
  const [row] = await sql<Array<{ version: string; version_num: string }>>`
    SELECT current_setting('server_version') AS version,
           current_setting('server_version_num') AS version_num`;
  return { version: row.version, versionNum: Number(row.version_num) };
}
