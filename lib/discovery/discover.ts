/** `--discover`: introspect the database(s) and build the Singer catalog (contract: schemas/singer). */
import { datesAsText } from '../catalog/dates-as-text';
import type { SingerCatalog } from '../catalog/types';
import type { TapConfig } from '../config/types';
import type { TapSql } from '../db/connect';
import type { Logger } from '../log/logger';
import { buildCatalog, mergeCatalogs } from './catalog-builder';
import { databasesToDiscover } from './databases';
import { introspect } from './introspect';

type DiscoverConfig = Pick<TapConfig, 'filter_schemas' | 'json_as_object' | 'dates_as_string' | 'dbname' | 'databases' | 'filter_dbs'>;

/** A connection to another database of the server, ended by the caller. */
export type OpenDatabase = (dbname: string) => TapSql;

async function discoverDatabase(sql: TapSql, config: DiscoverConfig, log: Logger, database: string, databaseInId: boolean): Promise<SingerCatalog> {
  const live = await introspect(sql, config);
  const relations = config.dates_as_string ? datesAsText(live) : live;
  for (const relation of relations) {
    for (const column of relation.columns) {
      if (column.supported) continue;
      log.warn(`column ${relation.schema}.${relation.name}.${column.name} of type ${column.type.sqlType} cannot be read; it is marked inclusion: unsupported`);
    }
  }
  const catalog = buildCatalog(relations, { databaseName: database, jsonAsObject: config.json_as_object === true, databaseInId });
  log.info('discovered streams', { streams: catalog.streams.length, database });
  return catalog;
}

/** `open` connects to another database when the config names several. */
export async function discoverCatalog(sql: TapSql, config: DiscoverConfig, log: Logger, open?: OpenDatabase): Promise<SingerCatalog> {
  const [{ database }] = (await sql`SELECT pg_catalog.current_database()::text AS database`) as unknown as Array<{ database: string }>;
  const names = open ? await databasesToDiscover(sql, config, log) : [database];
  // One database, the connected one (perhaps under another name, e.g. a pooler's alias): as always.
  if (names.length === 1 && (names[0] === database || names[0] === config.dbname)) return discoverDatabase(sql, config, log, database, false);
  const catalogs: SingerCatalog[] = [];
  for (const name of names) {
    if (name === database) {
      catalogs.push(await discoverDatabase(sql, config, log, name, names.length > 1));
      continue;
    }
    const other = (open as OpenDatabase)(name);
    try {
      catalogs.push(await discoverDatabase(other, config, log, name, names.length > 1));
    } finally {
      await other.end({ timeout: 1 });
    }
  }
  return mergeCatalogs(catalogs);
}
