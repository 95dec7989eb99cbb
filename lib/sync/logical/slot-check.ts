/**
 * What LOG_BASED needs from the server, checked before anything is written: wal_level=logical,
 * a role that may replicate, the slot (pgoutput, this database, not in use), the publication and
 * every LOG_BASED table in it. Each problem comes with the SQL that fixes it.
 */
import type { TapConfig } from '../../config/types';
import type { TapSql } from '../../db/connect';
import { InputError } from '../../errors';
import { quoteIdentifier, quoteLiteral, quoteQualified } from '../queries';
import { toastableWithoutFull, toastWarning, type ToastTable } from './toast-check';

export interface SlotInfo {
  plugin: string | null;
  database: string | null;
  active: boolean;
  confirmedFlushLsn: string | null;
}

export interface LogicalSetup {
  /** server_version_num: publish_via_partition_root exists from PostgreSQL 13 (130000). */
  versionNum: number;
  walLevel: string;
  /** pg_is_in_recovery(): the server is a hot standby. */
  inRecovery?: boolean;
  canReplicate: boolean;
  user: string;
  slot?: SlotInfo;
  publication?: { allTables: boolean; viaRoot: boolean; tables: Array<{ schema: string; name: string }> };
  /** Published tables whose unchanged TOASTed values are read back (no REPLICA IDENTITY FULL). */
  toast?: ToastTable[];
}

export interface LogicalTable {
  schema: string;
  name: string;
  /** pg_class.relkind ('p' = partitioned). */
  kind: string;
}

export async function inspectLogicalSetup(sql: TapSql, config: TapConfig): Promise<LogicalSetup> {
  const [base] = await sql`
    SELECT current_setting('wal_level') AS wal_level, current_user AS "user",
           current_setting('server_version_num')::int AS version_num, pg_is_in_recovery() AS in_recovery,
           (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user) AS can_replicate`;
  const [slot] = await sql`
    SELECT plugin, database, active, confirmed_flush_lsn::text AS confirmed_flush_lsn
    FROM pg_replication_slots WHERE slot_name = ${config.replication_slot_name}`;
  // to_jsonb: pubviaroot exists from PostgreSQL 13 only.
  const [pub] = await sql`
    SELECT p.puballtables AS all_tables, coalesce((to_jsonb(p) ->> 'pubviaroot')::boolean, false) AS via_root
    FROM pg_publication p WHERE p.pubname = ${config.publication_name}`;
  const setup: LogicalSetup = { versionNum: Number(base.version_num), walLevel: String(base.wal_level), canReplicate: base.can_replicate === true, user: String(base.user), inRecovery: base.in_recovery === true };
  if (slot) {
    setup.slot = {
      plugin: (slot.plugin as string | null) ?? null,
      database: (slot.database as string | null) ?? null,
      active: slot.active === true,
      confirmedFlushLsn: (slot.confirmed_flush_lsn as string | null) ?? null,
    };
  }
  if (pub) {
    const tables = await sql`SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = ${config.publication_name} ORDER BY 1, 2`;
    setup.publication = {
      allTables: pub.all_tables === true,
      viaRoot: pub.via_root === true,
      tables: tables.map((t) => ({ schema: String(t.schemaname), name: String(t.tablename) })),
    };
    setup.toast = await toastableWithoutFull(sql, setup.publication.tables);
  }
  return setup;
}

/** publish_via_partition_root (a partitioned table's changes under its own name): PostgreSQL 13. */
const VIA_ROOT_VERSION_NUM = 130000;

/** Logical decoding on a standby: PostgreSQL 16 (160000). */
const STANDBY_DECODING_VERSION_NUM = 160000;

/** LOG_BASED on a hot standby: refused; the slot, publication and snapshot position live on the primary. */
function standbyProblem(setup: LogicalSetup): string {
  const why = setup.versionNum < STANDBY_DECODING_VERSION_NUM
    ? 'logical decoding on a standby needs PostgreSQL 16'
    : 'the tap reads LOG_BASED changes from the primary only';
  return `the server is a hot standby (in recovery) and ${why}: point host at the primary (with use_secondary and secondary_host, FULL_TABLE and INCREMENTAL still read from the standby)`;
}

/** Every problem with the set-up, each with the fix. Pure. */
export function setupProblems(setup: LogicalSetup, config: TapConfig, tables: readonly LogicalTable[]): string[] {
  if (setup.inRecovery) return [standbyProblem(setup)];
  const problems: string[] = [];
  const slot = config.replication_slot_name;
  const pub = config.publication_name;
  if (setup.walLevel !== 'logical') {
    problems.push(`wal_level is ${setup.walLevel}, LOG_BASED needs logical: ALTER SYSTEM SET wal_level = logical; then restart the server`);
  }
  if (!setup.canReplicate) {
    problems.push(`role ${setup.user} lacks the REPLICATION privilege: ALTER ROLE ${quoteIdentifier(setup.user)} REPLICATION;`);
  }
  if (!setup.slot) {
    problems.push(`replication slot ${slot} does not exist: SELECT pg_create_logical_replication_slot(${quoteLiteral(slot)}, 'pgoutput');`);
  } else if (setup.slot.plugin !== 'pgoutput') {
    problems.push(
      `replication slot ${slot} uses plugin ${setup.slot.plugin ?? '(none: physical)'}, the tap needs pgoutput: ` +
        `SELECT pg_drop_replication_slot(${quoteLiteral(slot)}); SELECT pg_create_logical_replication_slot(${quoteLiteral(slot)}, 'pgoutput');`,
    );
  } else if (setup.slot.database !== config.dbname) {
    problems.push(`replication slot ${slot} belongs to database ${setup.slot.database}, not ${config.dbname}: set replication_slot_name to a slot of this database`);
  }
  if (!setup.publication) {
    const list = tables.map((t) => quoteQualified(t.schema, t.name)).join(', ') || '<tables>';
    const viaRoot = setup.versionNum >= VIA_ROOT_VERSION_NUM ? ' WITH (publish_via_partition_root = true)' : '';
    problems.push(`publication ${pub} does not exist: CREATE PUBLICATION ${quoteIdentifier(pub)} FOR TABLE ${list}${viaRoot};`);
    return problems;
  }
  const published = new Set(setup.publication.tables.map((t) => `${t.schema}\u0000${t.name}`));
  for (const table of tables) {
    const name = quoteQualified(table.schema, table.name);
    if (table.kind === 'p' && setup.versionNum < VIA_ROOT_VERSION_NUM) {
      problems.push(`table ${name} is partitioned, and before PostgreSQL 13 a publication cannot send a partitioned table's changes under its name: select its partitions for LOG_BASED instead`);
    } else if (table.kind === 'p' && !setup.publication.viaRoot) {
      problems.push(`table ${name} is partitioned and publication ${pub} sends its changes under the partitions' names: ALTER PUBLICATION ${quoteIdentifier(pub)} SET (publish_via_partition_root = true);`);
    } else if (!published.has(`${table.schema}\u0000${table.name}`)) {
      problems.push(`table ${name} is not in publication ${pub}: ALTER PUBLICATION ${quoteIdentifier(pub)} ADD TABLE ${name};`);
    }
  }
  return problems;
}

/** Throws InputError (exit 2, before any output) listing every problem. */
export async function checkLogicalSetup(sql: TapSql, config: TapConfig, tables: readonly LogicalTable[]): Promise<LogicalSetup> {
  const setup = await inspectLogicalSetup(sql, config);
  const problems = setupProblems(setup, config, tables);
  if (problems.length > 0) throw new InputError('LOGICAL_SETUP', `LOG_BASED cannot run: ${problems.join('; ')}`);
  return setup;
}

/** --test: what LOG_BASED would find, one line each, with the fixes. Pure. */
export function logicalReport(setup: LogicalSetup, config: TapConfig): string[] {
  const slot = setup.slot
    ? `slot ${config.replication_slot_name}: plugin ${setup.slot.plugin ?? '(physical)'}, database ${setup.slot.database ?? '-'}, ` +
      `${setup.slot.active ? 'in use' : 'not in use'}, confirmed up to ${setup.slot.confirmedFlushLsn ?? '-'}`
    : `slot ${config.replication_slot_name}: missing`;
  const pub = setup.publication
    ? `publication ${config.publication_name}: ${setup.publication.allTables ? 'all tables' : `${setup.publication.tables.length} table(s)`}` +
      `${setup.publication.viaRoot ? ', publish_via_partition_root' : ''}` +
      (setup.publication.tables.length > 0 ? ` (${setup.publication.tables.map((t) => `${t.schema}.${t.name}`).join(', ')})` : '')
    : `publication ${config.publication_name}: missing`;
  const lines = [
    `LOG_BASED: wal_level ${setup.walLevel}; role ${setup.user} ${setup.canReplicate ? 'may replicate' : 'lacks REPLICATION'}; ${slot}; ${pub}`,
  ];
  for (const problem of setupProblems(setup, config, [])) lines.push(`LOG_BASED needs: ${problem}`);
  const toast = toastWarning(setup.toast ?? []);
  if (toast) lines.push(toast);
  return lines;
}
