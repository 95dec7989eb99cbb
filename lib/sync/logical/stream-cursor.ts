/**
 * One LOG_BASED stream during a replication pass: where its bookmark stood when the run
 * started (transactions committed before it were already delivered and are skipped for it),
 * its table version, the columns it emits and the SCHEMA it last sent.
 */
import type { StreamPlan } from '../../catalog/plan';
import type { RunContext } from '../../context';
import { recordFormatFor, type StreamRecordFormat } from '../../messages/record-format';
import { schemaMessage } from '../../messages/serialize';
import type { ColumnInfo, RelationLookup } from '../../pg/types';
import type { Bookmark } from '../../state/types';
import { changeEncoder, type ChangeEncoder } from './change-encoder';
import { logicalStreamSchema } from './logical-schema';
import { lsnFromBookmark, lsnToNumber, maxLsn } from './lsn';
import type { Relation } from './pgoutput-decoder';
import { relationCatalogInfo } from './relation-info';

export class StreamCursor {
  readonly id: string;
  /** How its RECORD lines are framed (the writer's format). */
  readonly format: StreamRecordFormat;
  /** Transactions whose commit record starts before this were delivered in an earlier run. */
  readonly startLsn: bigint;
  version: number;
  readonly warnings = new Map<string, number>();
  /** Columns the stream emits, by name: the selected ones, then any added to the table later. */
  private readonly columns: Map<string, ColumnInfo>;
  private readonly discovered: Set<string>;
  private readonly added: ColumnInfo[] = [];
  /** Selected columns whose type changed (ALTER TYPE) since the plan: their current info. */
  private readonly retyped = new Map<string, ColumnInfo>();

  /** `lookup` reads the live columns when the WAL shows columns the plan does not have. */
  constructor(
    readonly plan: StreamPlan,
    bookmark: Bookmark,
    now: Date,
    private readonly lookup: RelationLookup,
    format: StreamRecordFormat = recordFormatFor({}, plan.stream),
  ) {
    this.id = plan.tapStreamId;
    this.format = format;
    this.startLsn = lsnFromBookmark(bookmark.lsn) ?? 0n;
    this.version = typeof bookmark.version === 'number' ? bookmark.version : now.getTime();
    this.columns = new Map(plan.columns.map((c) => [c.name, c]));
    this.discovered = new Set(plan.relation.columns.map((c) => c.name));
  }

  matches(relation: Relation): boolean {
    return relation.namespace === this.plan.relation.schema && relation.name === this.plan.relation.name;
  }

  /** A transaction committed at `finalLsn` was already delivered to this stream. */
  skips(finalLsn: bigint): boolean {
    return finalLsn < this.startLsn;
  }

  bookmark(position: bigint): Bookmark {
    return { last_replication_method: 'LOG_BASED', version: this.version, lsn: lsnToNumber(maxLsn(this.startLsn, position)) };
  }

  /** A new table version after TRUNCATE (later than the current one, even within a millisecond). */
  nextVersion(now: Date): number {
    this.version = Math.max(now.getTime(), this.version + 1);
    return this.version;
  }

  schemaLine(jsonAsObject: boolean): string {
    const schema = logicalStreamSchema(this.plan, this.added, jsonAsObject, [...this.retyped.values()]);
    return schemaMessage(this.plan.stream, schema, this.plan.keyProperties, []);
  }

  /**
   * The encoder for a Relation message. Columns added to the table since discovery are looked up
   * and included, a selected column whose type differs from the stream's takes the new type;
   * `onNewSchema` gets the SCHEMA line to write before the first record of the new shape.
   */
  async encoderFor(ctx: RunContext, relation: Relation, onNewSchema: (line: string) => Promise<void>): Promise<ChangeEncoder> {
    const catalog = await relationCatalogInfo(ctx.sql, relation);
    const unknown = relation.columns.filter((c) => !this.discovered.has(c.name) && !this.columns.has(c.name)).map((c) => c.name);
    const retyped = relation.columns.flatMap((c, i) => {
      const known = this.columns.get(c.name);
      const type = catalog.types[i];
      return known && type && known.type.sqlType !== type.sqlType ? [{ known, type }] : [];
    });
    let changed = false;
    if (unknown.length > 0) {
      const relations = await this.lookup([relation.namespace]);
      const live = relations.find((r) => r.schema === relation.namespace && r.name === relation.name);
      for (const name of unknown) {
        const column = live?.columns.find((c) => c.name === name && c.supported);
        if (!column) continue;
        this.columns.set(name, column);
        this.added.push(column);
        changed = true;
      }
      if (changed) ctx.log.info(`${this.id}: new column(s) ${unknown.join(', ')} in the WAL; sending a new SCHEMA`);
    }
    for (const { known, type } of retyped) {
      // The WAL's type describes the values that follow, whatever the table has by now.
      const updated: ColumnInfo = { ...known, type };
      this.columns.set(known.name, updated);
      const added = this.added.findIndex((c) => c.name === known.name);
      if (added >= 0) this.added[added] = updated;
      else this.retyped.set(known.name, updated);
      ctx.log.warn(`${this.id}: column ${known.name} is ${type.sqlType} in the WAL, was ${known.type.sqlType} (ALTER TABLE … TYPE); sending a new SCHEMA`);
      changed = true;
    }
    if (changed) await onNewSchema(this.schemaLine(ctx.config.json_as_object));
    const inRelation = new Set(relation.columns.map((c) => c.name));
    const absent = [...this.columns.values()].filter((c) => !inRelation.has(c.name) && catalog.liveColumns.has(c.name));
    const onWarning = (column: string, reason: string) => {
      const key = `${column}: ${reason}`;
      this.warnings.set(key, (this.warnings.get(key) ?? 0) + 1);
    };
    return changeEncoder(relation, this.columns, ctx.config.json_as_object, onWarning, this.plan.keyProperties, this.format.changeColumns, {
      absent,
      sqlTypes: catalog.types.map((t) => t?.sqlType ?? ''),
    });
  }
}
