/**
 * The pgoutput logical replication message format, protocol version 1 (PostgreSQL docs,
 * "Logical Replication Message Formats"). Pure: one XLogData payload in, one message out.
 *
 * Hand-written because no maintained npm library fits: postgres.js parses pgoutput only inside
 * its subscribe() (temporary slot, values through its own parsers, no LSNs, TRUNCATE ignored),
 * and the stand-alone decoders parse values into JS types, while the tap needs each value's
 * text exactly as the server printed it, for its one value converter.
 */
import { SyncError } from '../../errors';

/** A column's value in a TupleData: text, SQL NULL, or `undefined` for an unchanged TOASTed value ('u'). */
export type TupleValue = string | null | undefined;

export interface RelationColumn {
  /** Part of the replica identity (the key of DELETE and of UPDATE's old tuple). */
  isKey: boolean;
  name: string;
  typeOid: number;
  typeModifier: number;
}

export interface Begin {
  tag: 'Begin';
  /** LSN of the transaction's commit record. */
  finalLsn: bigint;
  /** Commit time, µs since 2000-01-01 UTC. */
  commitTime: bigint;
  xid: number;
}

export interface Commit {
  tag: 'Commit';
  flags: number;
  commitLsn: bigint;
  /** End of the commit record: where the next transaction can start. */
  endLsn: bigint;
  commitTime: bigint;
}

export interface Origin {
  tag: 'Origin';
  commitLsn: bigint;
  name: string;
}

export interface Relation {
  tag: 'Relation';
  relationId: number;
  namespace: string;
  name: string;
  /** 'd' default, 'n' nothing, 'f' full, 'i' index. */
  replicaIdentity: string;
  columns: RelationColumn[];
}

export interface Type {
  tag: 'Type';
  typeOid: number;
  namespace: string;
  name: string;
}

export interface Insert {
  tag: 'Insert';
  relationId: number;
  newTuple: TupleValue[];
}

export interface Update {
  tag: 'Update';
  relationId: number;
  /** 'K': the old key changed (key columns only); 'O': REPLICA IDENTITY FULL (whole old row). */
  oldKind?: 'K' | 'O';
  oldTuple?: TupleValue[];
  newTuple: TupleValue[];
}

export interface Delete {
  tag: 'Delete';
  relationId: number;
  oldKind: 'K' | 'O';
  oldTuple: TupleValue[];
}

export interface Truncate {
  tag: 'Truncate';
  cascade: boolean;
  restartIdentity: boolean;
  relationIds: number[];
}

export type PgOutputMessage = Begin | Commit | Origin | Relation | Type | Insert | Update | Delete | Truncate;

/** A message the decoder cannot read: exit 1, the last STATE stands. */
export class PgOutputError extends SyncError {
  constructor(message: string) {
    super('PGOUTPUT_DECODE', message);
  }
}

/** A cursor over one message. */
class Reader {
  offset = 0;
  constructor(private readonly buf: Buffer) {}

  byte(): number {
    this.need(1);
    return this.buf[this.offset++];
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  uint64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.offset);
    this.offset += 8;
    return v;
  }
  int64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }
  /** A NUL-terminated UTF-8 string. */
  string(): string {
    const end = this.buf.indexOf(0, this.offset);
    if (end < 0) throw new PgOutputError('pgoutput: unterminated string');
    const s = this.buf.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return s;
  }
  text(length: number): string {
    this.need(length);
    const s = this.buf.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return s;
  }
  private need(n: number): void {
    if (this.offset + n > this.buf.length) throw new PgOutputError(`pgoutput: message truncated at byte ${this.offset}`);
  }
}

const N = 0x6e; // 'n' null
const U = 0x75; // 'u' unchanged TOAST
const T = 0x74; // 't' text
const B = 0x62; // 'b' binary

function tupleData(r: Reader): TupleValue[] {
  const count = r.int16();
  const values: TupleValue[] = new Array(count);
  for (let i = 0; i < count; i += 1) {
    const kind = r.byte();
    if (kind === T) values[i] = r.text(r.int32());
    else if (kind === N) values[i] = null;
    else if (kind === U) values[i] = undefined;
    else if (kind === B) throw new PgOutputError('pgoutput: binary tuple values are not supported (the tap asks for text)');
    else throw new PgOutputError(`pgoutput: unknown tuple value kind 0x${kind.toString(16)}`);
  }
  return values;
}

function expectByte(r: Reader, expected: string, what: string): void {
  const got = r.byte();
  if (got !== expected.charCodeAt(0)) throw new PgOutputError(`pgoutput: ${what}: expected '${expected}', got 0x${got.toString(16)}`);
}

function relation(r: Reader): Relation {
  const relationId = r.uint32();
  const namespace = r.string() || 'pg_catalog';
  const name = r.string();
  const replicaIdentity = String.fromCharCode(r.byte());
  const count = r.int16();
  const columns: RelationColumn[] = [];
  for (let i = 0; i < count; i += 1) {
    const flags = r.byte();
    columns.push({ isKey: (flags & 1) === 1, name: r.string(), typeOid: r.uint32(), typeModifier: r.int32() });
  }
  return { tag: 'Relation', relationId, namespace, name, replicaIdentity, columns };
}

function update(r: Reader): Update {
  const relationId = r.uint32();
  let kind = String.fromCharCode(r.byte());
  if (kind === 'K' || kind === 'O') {
    const oldTuple = tupleData(r);
    const oldKind = kind;
    kind = String.fromCharCode(r.byte());
    if (kind !== 'N') throw new PgOutputError(`pgoutput: Update: expected 'N', got '${kind}'`);
    return { tag: 'Update', relationId, oldKind, oldTuple, newTuple: tupleData(r) };
  }
  if (kind !== 'N') throw new PgOutputError(`pgoutput: Update: expected 'K', 'O' or 'N', got '${kind}'`);
  return { tag: 'Update', relationId, newTuple: tupleData(r) };
}

function deleteMessage(r: Reader): Delete {
  const relationId = r.uint32();
  const kind = String.fromCharCode(r.byte());
  if (kind !== 'K' && kind !== 'O') throw new PgOutputError(`pgoutput: Delete: expected 'K' or 'O', got '${kind}'`);
  return { tag: 'Delete', relationId, oldKind: kind, oldTuple: tupleData(r) };
}

function truncate(r: Reader): Truncate {
  const count = r.int32();
  const options = r.byte();
  const relationIds: number[] = [];
  for (let i = 0; i < count; i += 1) relationIds.push(r.uint32());
  return { tag: 'Truncate', cascade: (options & 1) === 1, restartIdentity: (options & 2) === 2, relationIds };
}

/** Decodes one pgoutput message (the XLogData payload after its 25-byte header). */
export function decodePgOutput(data: Buffer): PgOutputMessage {
  const r = new Reader(data);
  const tag = String.fromCharCode(r.byte());
  switch (tag) {
    case 'B':
      return { tag: 'Begin', finalLsn: r.uint64(), commitTime: r.int64(), xid: r.uint32() };
    case 'C':
      return { tag: 'Commit', flags: r.byte(), commitLsn: r.uint64(), endLsn: r.uint64(), commitTime: r.int64() };
    case 'O':
      return { tag: 'Origin', commitLsn: r.uint64(), name: r.string() };
    case 'R':
      return relation(r);
    case 'Y':
      return { tag: 'Type', typeOid: r.uint32(), namespace: r.string(), name: r.string() };
    case 'I': {
      const relationId = r.uint32();
      expectByte(r, 'N', 'Insert');
      return { tag: 'Insert', relationId, newTuple: tupleData(r) };
    }
    case 'U':
      return update(r);
    case 'D':
      return deleteMessage(r);
    case 'T':
      return truncate(r);
    default:
      throw new PgOutputError(
        `pgoutput: unknown message type '${tag}' (0x${data[0]?.toString(16) ?? '??'}); the tap speaks protocol version 1 ` +
          '(Begin, Commit, Origin, Relation, Type, Insert, Update, Delete, Truncate)',
      );
  }
}
