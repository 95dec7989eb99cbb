/**
 * Stream maps applied to a sync plan: which columns the query still reads, which streams keep
 * the byte path as they are (the writer's own record framing) and which are mapped record by record (a marked framing).
 */
import { buildPlan } from '../../lib/catalog/plan';
import type { JsonSchema } from '../../lib/catalog/types';
import type { TapConfig } from '../../lib/config/types';
import type { RunContext } from '../../lib/context';
import { applyStreamMaps } from '../../lib/maps/plan-maps';
import type { MessageWriter } from '../../lib/messages/writer';
import type { ColumnInfo, RelationInfo } from '../../lib/pg/types';

function column(name: string, position: number): ColumnInfo {
  return { name, position, type: { kind: 'string', isArray: false, sqlType: 'text', baseTypeName: 'text', delimiter: ',' }, notNull: false, supported: true };
}

const users: RelationInfo = {
  oid: 1,
  schema: 'public',
  name: 'users',
  kind: 'r',
  rowEstimate: 10,
  primaryKey: ['id'],
  columns: ['id', 'email', 'ssn', 'status', 'updated_at'].map(column),
};

const catalog = {
  streams: [
    {
      tap_stream_id: 'public-users',
      stream: 'public-users',
      table_name: 'users',
      schema: { type: 'object', properties: {} },
      metadata: [{ breadcrumb: [], metadata: { 'schema-name': 'public', selected: true, 'replication-method': 'INCREMENTAL', 'replication-key': 'updated_at' } }],
    },
  ],
};

function run(maps: Record<string, unknown> | undefined) {
  const lines: string[] = [];
  const bytes: Uint8Array[] = [];
  const writer: MessageWriter = {
    write: (line) => void lines.push(line),
    writeBytes: (data) => void bytes.push(data),
    flush: async () => undefined,
  };
  const config = { new_columns: 'include', json_as_object: false, stream_maps: maps, stream_map_config: {} } as unknown as TapConfig;
  const log = { info: () => undefined } as unknown as RunContext['log'];
  const ctx = { config, writer, log } as unknown as RunContext;
  const mapped = applyStreamMaps(ctx, buildPlan(catalog, [users], config), (plan) => plan.schema as JsonSchema);
  const [plan] = mapped.plans;
  return { mapped, plan, ctx, columns: plan?.columns.map((c) => c.name), recordsMapped: plan && mapped.ctx.writer.recordFormat?.(plan.stream).prefix.startsWith('\u0000') };
}

test('without stream_maps the plan and the context are the same objects', () => {
  const { mapped, ctx } = run(undefined);
  expect(mapped.ctx).toBe(ctx);
});

test('a drop-only map leaves the columns out of the query and keeps the byte path', () => {
  const { plan, columns, recordsMapped } = run({ 'public-users': { ssn: null, email: null } });
  expect(columns).toEqual(['id', 'status', 'updated_at']);
  expect(Object.keys(plan.schema.properties as object)).toEqual(['id', 'status', 'updated_at']);
  expect(recordsMapped).toBe(false);
});

test('alias, key properties and __else__ over what is selected keep the byte path too', () => {
  const { plan, columns, recordsMapped } = run({ 'public-users': { __alias__: 'people', __else__: null, status: 'status', updated_at: 'updated_at', __key_properties__: ['id'] } });
  expect(plan.stream).toBe('people');
  expect(plan.tapStreamId).toBe('public-users');
  expect(columns).toEqual(['id', 'status', 'updated_at']);
  expect(recordsMapped).toBe(false);
});

test('keys, the replication key and fields an expression reads are still read; such maps take the record path', () => {
  const dropsKey = run({ 'public-users': { updated_at: null } });
  expect(dropsKey.columns).toEqual(['id', 'email', 'ssn', 'status', 'updated_at']);
  expect(dropsKey.recordsMapped).toBe(true);
  const computed = run({ 'public-users': { ssn: null, email: null, h: 'md5(email)' } });
  expect(computed.columns).toEqual(['id', 'email', 'status', 'updated_at']);
  expect(computed.recordsMapped).toBe(true);
  const filtered = run({ 'public-users': { __filter__: "status == 'x'" } });
  expect(filtered.recordsMapped).toBe(true);
});

test('a stream mapped to null leaves the plan', () => {
  expect(run({ 'public-users': null }).mapped.plans).toEqual([]);
  expect(run({ __else__: null, 'other-*': {} }).mapped.plans).toEqual([]);
});
