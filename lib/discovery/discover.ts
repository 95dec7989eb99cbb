/** `--discover`: introspect the database and build the Singer catalog (contract: schemas/singer). */
import { datesAsText } from '../catalog/dates-as-text';
import type { SingerCatalog } from '../catalog/types';
import type { TapConfig } from '../config/types';
import type { TapSql } from '../db/connect';
import type { Logger } from '../log/logger';
import { buildCatalog } from './catalog-builder';
import { introspect } from './introspect';

export async function discoverCatalog(
  sql: TapSql,
  config: Pick<TapConfig, 'filter_schemas' | 'json_as_object' | 'dates_as_string'>,
  log: Logger,
): Promise<SingerCatalog> {
  const [{ database }] = (await sql`SELECT pg_catalog.current_database()::text AS database`) as unknown as Array<{ database: string }>;
  const live = await introspect(sql, config);
  const relations = config.dates_as_string ? datesAsText(live) : live;
  for (const relation of relations) {
    for (const column of relation.columns) {
      if (column.supported) continue;
      log.warn(`column ${relation.schema}.${relation.name}.${column.name} of type ${column.type.sqlType} cannot be read; it is marked inclusion: unsupported`);
    }
  }
  const catalog = buildCatalog(relations, { databaseName: database, jsonAsObject: config.json_as_object === true });
  log.info('discovered streams', { streams: catalog.streams.length, database });
  return catalog;
}
