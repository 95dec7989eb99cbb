/** `discover`: the Airbyte catalog of every relation the user may read in the chosen schemas. */
import type { TapSql } from '../db/connect';
import type { ServerInfo } from '../db/server-info';
import { introspect } from '../discovery/introspect';
import { inspectLogicalSetup } from '../sync/logical/slot-check';
import { airbyteCatalog } from './catalog';
import { publishedTables } from './check';
import type { AirbyteSettings } from './config';
import type { AirbyteCatalog } from './types';

export async function discoverCatalog(sql: TapSql, server: ServerInfo, settings: AirbyteSettings): Promise<AirbyteCatalog> {
  const relations = await introspect(sql, settings.tap);
  const published = settings.cdc ? publishedTables(await inspectLogicalSetup(sql, settings.tap), relations) : new Set<string>();
  return airbyteCatalog(relations, { cdc: settings.cdc, published, serverVersionNum: server.versionNum });
}
