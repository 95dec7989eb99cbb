/**
 * `check`: SUCCEEDED, or FAILED with what to do — the server cannot be reached, the login or TLS
 * fails, the database is missing, no table of the chosen schemas is readable, or (CDC) the
 * server is not set up for logical replication. A bad connection is a status, never an error.
 */
import { introspect } from '../discovery/introspect';
import type { RelationInfo } from '../pg/types';
import type { Logger } from '../log/logger';
import { inspectLogicalSetup, setupProblems, type LogicalSetup } from '../sync/logical/slot-check';
import { quoteIdentifier as quoteIdent } from '../sync/queries';
import { relationKey } from './catalog';
import type { AirbyteSettings } from './config';
import { failureOf } from './failure';
import { openSession } from './session';
import type { AirbyteConnectionStatus } from './types';

function schemasText(settings: AirbyteSettings): string {
  const schemas = settings.tap.filter_schemas;
  return schemas ? `schema(s) ${schemas.join(', ')}` : 'any schema';
}

function noReadableTable(settings: AirbyteSettings): string {
  const user = quoteIdent(settings.tap.user);
  const grants = (settings.tap.filter_schemas ?? ['<schema>'])
    .map((s) => `GRANT USAGE ON SCHEMA ${quoteIdent(s)} TO ${user}; GRANT SELECT ON ALL TABLES IN SCHEMA ${quoteIdent(s)} TO ${user};`)
    .join(' ');
  return `no table or view in ${schemasText(settings)} is readable by user ${settings.tap.user}: check schemas, or ${grants}`;
}

/** The relation keys the publication covers. */
export function publishedTables(setup: LogicalSetup, relations: readonly RelationInfo[]): Set<string> {
  if (!setup.publication) return new Set();
  if (setup.publication.allTables) return new Set(relations.map((r) => relationKey(r.schema, r.name)));
  return new Set(setup.publication.tables.map((t) => relationKey(t.schema, t.name)));
}

async function cdcProblems(settings: AirbyteSettings, sql: Parameters<typeof inspectLogicalSetup>[0], relations: RelationInfo[]): Promise<string[]> {
  const setup = await inspectLogicalSetup(sql, settings.tap);
  const problems = setupProblems(setup, settings.tap, []);
  const tables = relations.filter((r) => r.kind === 'r' || r.kind === 'p');
  const published = publishedTables(setup, tables);
  if (setup.publication && tables.length > 0 && !tables.some((t) => published.has(relationKey(t.schema, t.name)))) {
    const pub = quoteIdent(settings.tap.publication_name);
    problems.push(`publication ${settings.tap.publication_name} covers none of the readable tables in ${schemasText(settings)}: ALTER PUBLICATION ${pub} ADD TABLE ${quoteIdent(tables[0].schema)}.${quoteIdent(tables[0].name)}, …;`);
  }
  return problems;
}

export async function checkConnection(settings: AirbyteSettings, log: Logger): Promise<AirbyteConnectionStatus> {
  let session;
  try {
    session = await openSession(settings, log, 1);
  } catch (error) {
    return { status: 'FAILED', message: failureOf(error).message };
  }
  try {
    const relations = await introspect(session.sql, settings.tap);
    if (settings.checkPrivileges && relations.length === 0) return { status: 'FAILED', message: noReadableTable(settings) };
    if (settings.cdc) {
      const problems = await cdcProblems(settings, session.sql, relations);
      if (problems.length > 0) return { status: 'FAILED', message: `CDC is not set up: ${problems.join('; ')}` };
    }
    return { status: 'SUCCEEDED', message: `PostgreSQL ${session.server.version}: ${relations.length} readable table(s) and view(s) in ${schemasText(settings)}` };
  } catch (error) {
    return { status: 'FAILED', message: failureOf(error).message };
  } finally {
    await session.close();
  }
}
