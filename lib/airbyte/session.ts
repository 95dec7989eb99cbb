/**
 * Opening the connection for a command: the tap's postgres.js pool on the adapted config, and the
 * server's version — or a ConnectionFailed saying what to check.
 */
import { connect, type TapSql } from '../db/connect';
import { serverInfo, type ServerInfo } from '../db/server-info';
import type { Logger } from '../log/logger';
import type { AirbyteSettings } from './config';
import { connectionProblem, ConnectionFailed } from './failure';

export interface Session {
  sql: TapSql;
  server: ServerInfo;
}

/** Connects; on failure the pool is closed and a ConnectionFailed thrown. */
export async function openSession(settings: AirbyteSettings, log: Logger, max: number): Promise<Session> {
  const sql = connect(settings.tap, { log, max });
  try {
    return { sql, server: await serverInfo(sql) };
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => undefined);
    throw new ConnectionFailed(connectionProblem(error, settings.tap));
  }
}
