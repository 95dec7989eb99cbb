/**
 * Which databases a discovery covers. One, the connected one, unless the config names several:
 * `dbname` as a comma-separated list, or `filter_dbs` (singer-io: the server's databases that
 * accept connections, templates and rdsadmin excepted, filtered by the list).
 */
import type { TapConfig } from '../config/types';
import type { TapSql } from '../db/connect';
import { InputError } from '../errors';
import type { Logger } from '../log/logger';

export async function databasesToDiscover(sql: TapSql, config: Pick<TapConfig, 'dbname' | 'databases' | 'filter_dbs'>, log: Logger): Promise<string[]> {
  if (!config.filter_dbs) return config.databases ?? [config.dbname];
  const rows = (await sql`
    SELECT datname::text AS name FROM pg_catalog.pg_database
     WHERE NOT datistemplate AND datallowconn AND datname <> 'rdsadmin'
       AND datname::text IN (SELECT json_array_elements_text(${JSON.stringify(config.filter_dbs)}::text::json))
     ORDER BY datname`) as unknown as Array<{ name: string }>;
  const found = rows.map((row) => row.name);
  const missing = config.filter_dbs.filter((name) => !found.includes(name));
  if (found.length === 0) {
    throw new InputError('CONFIG_INVALID', `config: filter_dbs names no database of this server that accepts connections (${missing.join(', ')})`);
  }
  for (const name of missing) log.warn(`filter_dbs: database ${name} does not exist or does not accept connections; it is not discovered`);
  return found;
}
