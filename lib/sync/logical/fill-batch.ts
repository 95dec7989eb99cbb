/**
 * Records of a replication pass in WAL order, completed where a change lacks a column value
 * (an unchanged TOASTed value, an unpublished generated column). From the first such change on,
 * records are held back; `flush` (at a commit, before DDL-driven SCHEMA or TRUNCATE output, or
 * every FILL_BATCH_ROWS) reads the missing values back with one query per table and then
 * writes every held record in order. While nothing needs a fill, records go straight through.
 *
 * The value read back is the row's value at the read-back, not at the change: it converges, as
 * every later change of the row carries its own values. A row gone by then (deleted later; its
 * delete follows in the WAL) gets a record that leaves the missing columns out.
 */
import type { TapSql } from '../../db/connect';
import type { Logger } from '../../log/logger';
import type { ChangeEncoder } from './change-encoder';
import type { TupleValue } from './pgoutput-decoder';
import { readBack, type ReadBackTable } from './read-back';

/** Held-back changes after which the batch is read back and written, also mid-transaction. */
export const FILL_BATCH_ROWS = 2000;

export interface FillTarget {
  /** The stream's name in logs. */
  id: string;
  table: Omit<ReadBackTable, 'key'>;
  encoder: ChangeEncoder;
}

interface Held<T extends FillTarget> {
  target: T;
  body?: string;
  change?: { tuple: readonly TupleValue[]; old: readonly TupleValue[] | undefined; lsn: number; committedAt?: string; missing: string[] };
}

export class FillBatch<T extends FillTarget> {
  private held: Array<Held<T>> = [];
  private changes = 0;
  /** Per stream: records written without some missing value (no key, or the row was gone). */
  readonly incomplete = new Map<string, number>();

  constructor(
    private readonly sql: TapSql,
    private readonly log: Logger,
    private readonly write: (target: T, body: string) => Promise<void>,
  ) {}

  /** A record that needs nothing: written now unless earlier records are held back. */
  async ready(target: T, body: string): Promise<void> {
    if (this.held.length === 0) return this.write(target, body);
    this.held.push({ target, body });
  }

  /** An INSERT/UPDATE; held back when it lacks values (or earlier records are held back). */
  async upsert(target: T, tuple: readonly TupleValue[], old: readonly TupleValue[] | undefined, lsn: number, committedAt?: string): Promise<void> {
    const missing = target.encoder.missing(tuple, old);
    if (missing.length === 0) return this.ready(target, target.encoder.upsert(tuple, old, lsn, committedAt));
    this.held.push({ target, change: { tuple, old, lsn, committedAt, missing } });
    this.changes += 1;
    if (this.changes >= FILL_BATCH_ROWS) await this.flush();
  }

  /** Held-back records of a transaction the pass did not finish: the next run sends it again. */
  discard(): void {
    this.held = [];
    this.changes = 0;
  }

  async flush(): Promise<void> {
    if (this.held.length === 0) return;
    const held = this.held;
    this.discard();
    const fills = new Map<Held<T>, ReadonlyMap<string, TupleValue>>();
    const groups = new Map<ChangeEncoder, Array<Held<T>>>();
    for (const entry of held) {
      if (!entry.change) continue;
      const group = groups.get(entry.target.encoder);
      if (group) group.push(entry);
      else groups.set(entry.target.encoder, [entry]);
    }
    for (const [encoder, entries] of groups) await this.readGroup(encoder, entries, fills);
    for (const entry of held) {
      if (entry.body !== undefined) {
        await this.write(entry.target, entry.body);
        continue;
      }
      const change = entry.change!;
      const fill = fills.get(entry);
      if (!fill || change.missing.some((name) => !fill.has(name))) {
        this.incomplete.set(entry.target.id, (this.incomplete.get(entry.target.id) ?? 0) + 1);
      }
      await this.write(entry.target, entry.target.encoder.upsert(change.tuple, change.old, change.lsn, change.committedAt, fill));
    }
  }

  /** One query for the rows of one table (one Relation) in the batch. */
  private async readGroup(encoder: ChangeEncoder, entries: Array<Held<T>>, fills: Map<Held<T>, ReadonlyMap<string, TupleValue>>): Promise<void> {
    const { target } = entries[0];
    if (!encoder.readKey) return;
    const columns = [...new Set(entries.flatMap((e) => e.change!.missing))];
    const keys: string[][] = [];
    const keyIndex = new Map<string, number>();
    const entryKey = new Map<Held<T>, number>();
    for (const entry of entries) {
      const values = encoder.keyValues(entry.change!.tuple, entry.change!.old);
      if (!values) continue;
      const text = JSON.stringify(values);
      let index = keyIndex.get(text);
      if (index === undefined) {
        index = keys.length;
        keys.push(values);
        keyIndex.set(text, index);
      }
      entryKey.set(entry, index);
    }
    if (keys.length === 0) return;
    const found = await readBack(this.sql, { ...target.table, key: encoder.readKey.columns }, columns, keys);
    this.log.debug(`${target.id}: read back ${columns.join(', ')} of ${keys.length} row(s) in one query`, {
      stream: target.id,
      rows: keys.length,
      found: found?.size ?? 0,
    });
    if (!found) return;
    for (const [entry, index] of entryKey) {
      const values = found.get(index);
      if (values) fills.set(entry, new Map(columns.map((name, i) => [name, values[i]])));
    }
  }
}
