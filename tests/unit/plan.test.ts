import { buildPlan as planSync } from '../../lib/catalog/plan';
import type { TapConfig } from '../../lib/config/types';
import type { ColumnInfo, ColumnType, RelationInfo } from '../../lib/pg/types';
import { InputError } from '../../lib/errors';

const config = { default_replication_method: undefined, new_columns: 'include', json_as_object: false } as unknown as TapConfig;

/** The plans, when every selected table is live. */
function buildPlan(...args: Parameters<typeof planSync>) {
  const { plans, unavailable } = planSync(...args);
  expect(unavailable).toEqual([]);
  return plans;
}

function type(kind: ColumnType['kind'], baseTypeName: string, sqlType = baseTypeName): ColumnType {
  return { kind, isArray: false, sqlType, baseTypeName, delimiter: ',' };
}

function column(name: string, t: ColumnType, position: number): ColumnInfo {
  return { name, position, type: t, notNull: false, supported: true };
}

const users: RelationInfo = {
  oid: 1,
  schema: 'public',
  name: 'users',
  kind: 'r',
  rowEstimate: 10,
  primaryKey: ['id'],
  columns: [
    column('id', type('bigint', 'int8', 'bigint'), 1),
    column('name', type('string', 'text', 'text'), 2),
    column('doc', type('jsonb', 'jsonb'), 3),
    column('updated_at', type('timestamptz', 'timestamptz', 'timestamp with time zone'), 4),
  ],
};
const view: RelationInfo = { ...users, oid: 2, name: 'v_users', kind: 'v', primaryKey: [] };

function stream(name: string, root: Record<string, unknown>, columns: Record<string, Record<string, unknown>> = {}, extra = {}) {
  return {
    tap_stream_id: `public-${name}`,
    stream: `public-${name}`,
    table_name: name,
    schema: { type: 'object', properties: { id: {}, name: {}, doc: {}, updated_at: {} } },
    metadata: [
      { breadcrumb: [], metadata: { 'schema-name': 'public', ...root } },
      ...Object.entries(columns).map(([col, metadata]) => ({ breadcrumb: ['properties', col], metadata })),
    ],
    ...extra,
  };
}

function expectInputError(fn: () => unknown, text: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InputError);
  expect((thrown as Error).message).toContain(text);
}

describe('buildPlan', () => {
  test('plans only selected streams, keys always kept, deselected columns omitted', () => {
    const catalog = {
      streams: [
        stream('users', { selected: true }, { id: { selected: false }, doc: { selected: false } }),
        stream('v_users', { selected: false }),
      ],
    };
    const [plan, ...rest] = buildPlan(catalog, [users, view], config);
    expect(rest).toHaveLength(0);
    expect(plan.method).toBe('FULL_TABLE');
    expect(plan.columns.map((c) => c.name)).toEqual(['id', 'name', 'updated_at']);
    expect(plan.keyProperties).toEqual(['id']);
    expect(Object.keys(plan.schema.properties as object)).toEqual(['id', 'name', 'updated_at']);
  });

  test('reads Meltano top-level selected / replication_method / replication_key', () => {
    const catalog = { streams: [stream('users', {}, {}, { selected: true, replication_method: 'INCREMENTAL', replication_key: 'updated_at' })] };
    const [plan] = buildPlan(catalog, [users], config);
    expect(plan.method).toBe('INCREMENTAL');
    expect(plan.replicationKey).toBe('updated_at');
  });

  test('falls back to default_replication_method', () => {
    const catalog = { streams: [stream('users', { selected: true, 'replication-key': 'id' })] };
    const [plan] = buildPlan(catalog, [users], { ...config, default_replication_method: 'INCREMENTAL' });
    expect(plan.method).toBe('INCREMENTAL');
    expect(plan.replicationKey).toBe('id');
  });

  test('the interrupted stream goes first', () => {
    const catalog = { streams: [stream('users', { selected: true }), stream('v_users', { selected: true })] };
    const plans = buildPlan(catalog, [users, view], config, 'public-v_users');
    expect(plans.map((p) => p.tapStreamId)).toEqual(['public-v_users', 'public-users']);
  });

  test('a deselected replication key is still read', () => {
    const catalog = { streams: [stream('users', { selected: true, 'replication-method': 'INCREMENTAL', 'replication-key': 'updated_at' }, { updated_at: { selected: false } })] };
    const [plan] = buildPlan(catalog, [users], config);
    expect(plan.columns.map((c) => c.name)).toContain('updated_at');
  });

  test('a selected table that is gone is unavailable, not an input error; the other streams are planned', () => {
    const { plans, unavailable } = planSync({ streams: [stream('gone', { selected: true }), stream('users', { selected: true })] }, [users], config);
    expect(plans.map((p) => p.tapStreamId)).toEqual(['public-users']);
    expect(unavailable).toEqual([{ tapStreamId: 'public-gone', message: expect.stringContaining('public.gone no longer exists or is not readable') }]);
  });

  test('invalid combinations are input errors naming the stream', () => {
    expectInputError(() => buildPlan({ streams: [stream('users', { selected: true, 'replication-method': 'INCREMENTAL' })] }, [users], config), 'needs a replication-key');
    expectInputError(() => buildPlan({ streams: [stream('users', { selected: true, 'replication-method': 'INCREMENTAL', 'replication-key': 'nope' })] }, [users], config), 'is not a column');
    expectInputError(() => buildPlan({ streams: [stream('users', { selected: true, 'replication-method': 'INCREMENTAL', 'replication-key': 'doc' })] }, [users], config), 'cannot be a replication key');
    expectInputError(() => buildPlan({ streams: [stream('v_users', { selected: true, 'replication-method': 'LOG_BASED' })] }, [view], config), 'not possible on a view');
    expectInputError(() => buildPlan({ streams: [stream('users', { selected: true, 'replication-method': 'SOMETIMES' })] }, [users], config), 'must be one of');
  });
});
