/**
 * `--select` and `--replication-method`/`--replication-key`: the catalog a run uses. With
 * `--catalog` the patterns refine that catalog's selection; without it the tap discovers (for a
 * sync, only the schemas the patterns can reach) and selects what the patterns name. The
 * replication defaults then apply to every selected stream that names no method or key.
 */
import { applySelection } from '../catalog/apply-selection';
import { parseCatalog } from '../catalog/parse-catalog';
import { applyReplicationDefaults } from '../catalog/replication-defaults';
import { parseSelectPattern, reachableSchemas } from '../catalog/select-patterns';
import type { SingerCatalog } from '../catalog/types';
import type { TapConfig } from '../config/types';
import { InputError } from '../errors';
import type { CliArgs } from './args';
import { databaseOpener, type ModeInput } from './modes';

/** The schemas to discover: those the patterns reach, within the config's filter_schemas. */
function schemasToDiscover(config: TapConfig, reachable: string[] | undefined): string[] | undefined {
  if (reachable === undefined) return config.filter_schemas;
  if (config.filter_schemas === undefined) return reachable;
  const allowed = new Set(config.filter_schemas);
  return reachable.filter((schema) => allowed.has(schema));
}

async function discovered(input: ModeInput, filterSchemas: string[] | undefined, quiet: boolean): Promise<SingerCatalog> {
  const { discoverCatalog } = await import('../discovery/discover');
  // No schema reachable: an empty catalog, so the no-match error names the pattern.
  if (filterSchemas !== undefined && filterSchemas.length === 0) return { streams: [] };
  // Before a sync, discovery's summary line is debug: a bad pattern's error stays the one line.
  const log = quiet ? { ...input.log, info: input.log.debug } : input.log;
  return discoverCatalog(input.sql, { ...input.config, filter_schemas: filterSchemas }, log, databaseOpener(input));
}

/**
 * The catalog with the patterns applied. A pattern matching nothing in a catalog discovered for
 * fewer schemas is checked again against every schema, so the hint names the nearest ids there.
 */
async function selectedCatalog(input: ModeInput, args: CliArgs, catalogInput: unknown, scoped: boolean): Promise<SingerCatalog> {
  const patterns = args.select.map(parseSelectPattern);
  if (catalogInput !== undefined) return applySelection(parseCatalog(catalogInput), patterns, { keepCatalogSelection: true });
  // Several databases: ids start with the database, so the patterns do not name schemas.
  const severalDatabases = input.config.databases !== undefined || input.config.filter_dbs !== undefined;
  const filter = scoped && !severalDatabases ? schemasToDiscover(input.config, reachableSchemas(patterns)) : input.config.filter_schemas;
  const catalog = await discovered(input, filter, scoped);
  try {
    return applySelection(catalog, patterns, { keepCatalogSelection: false });
  } catch (error) {
    if (!(error instanceof InputError) || filter === input.config.filter_schemas) throw error;
    applySelection(await discovered(input, input.config.filter_schemas, true), patterns, { keepCatalogSelection: false });
    throw error;
  }
}

/** The catalog for this run; `scoped`: discover only the schemas the patterns reach (a sync). */
export async function catalogForRun(input: ModeInput, args: CliArgs, catalogInput: unknown, scoped: boolean): Promise<SingerCatalog> {
  const catalog =
    args.select.length > 0 ? await selectedCatalog(input, args, catalogInput, scoped) : parseCatalog(catalogInput ?? (await discovered(input, input.config.filter_schemas, scoped)));
  return applyReplicationDefaults(catalog, {
    method: args.replicationMethod,
    key: args.replicationKey,
    configMethod: input.config.default_replication_method,
  });
}
