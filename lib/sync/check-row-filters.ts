/**
 * The config's `custom_where_clauses` checked against the live tables before any output: each
 * stream's conditions are planned (EXPLAIN, nothing runs) on its table, so a clause naming a
 * column that does not exist, or of the wrong type, is an input error (exit 2) naming the stream,
 * not a failure half-way through the run. Options for streams the catalog does not select are
 * reported once as a warning.
 */
import type { StreamPlan } from '../catalog/plan';
import type { RunContext } from '../context';
import { describeError, InputError } from '../errors';
import { quoteQualified } from './queries';

export async function checkRowFilters(ctx: RunContext, plans: readonly StreamPlan[]): Promise<void> {
  const planned = new Set(plans.map((plan) => plan.tapStreamId));
  const unused = Object.keys(ctx.config.stream_options ?? {}).filter((id) => !planned.has(id));
  if (unused.length > 0) ctx.log.warn(`config: stream_options names stream(s) not selected in this run: ${unused.join(', ')}`);
  for (const plan of plans) {
    const where = plan.bounds?.where;
    if (!where) continue;
    const table = quoteQualified(plan.relation.schema, plan.relation.name);
    try {
      await ctx.sql.unsafe(`EXPLAIN SELECT 1 FROM ${table} WHERE ${where.map((clause) => `(${clause})`).join(' AND ')}`);
    } catch (error) {
      throw new InputError('CONFIG_INVALID', `config: /stream_options/${plan.tapStreamId}/custom_where_clauses do not fit table ${plan.relation.schema}.${plan.relation.name}: ${describeError(error)}`);
    }
  }
}
