/**
 * The SCHEMA of a LOG_BASED stream: the selected columns, any column added to the table since
 * the catalog was made, and the two change columns: `_sdc_lsn` (the change's WAL position, on
 * every record) and `_sdc_deleted_at` (commit time of a delete, null otherwise). Pure.
 */
import type { StreamPlan } from '../../catalog/plan';
import type { JsonSchema } from '../../catalog/types';
import { arrayDefinition, arrayDefinitionName, columnSchema } from '../../catalog/type-map';
import { SINGER_CHANGE_COLUMNS } from '../../messages/record-format';
import type { ColumnInfo } from '../../pg/types';

export const SDC_LSN = SINGER_CHANGE_COLUMNS.lsn;
export const SDC_DELETED_AT = SINGER_CHANGE_COLUMNS.deletedAt;

/** Selected columns the catalog has no schema for (added to the table after discovery). */
function uncataloged(plan: StreamPlan): ColumnInfo[] {
  const properties = (plan.schema.properties ?? {}) as Record<string, JsonSchema>;
  return plan.columns.filter((c) => Object.keys(properties[c.name] ?? {}).length === 0);
}

/**
 * `addedColumns`: columns met in the WAL that the plan does not have; `retyped`: selected
 * columns whose type changed since the plan (ALTER TABLE … TYPE), with their new type.
 */
export function logicalStreamSchema(
  plan: StreamPlan,
  addedColumns: readonly ColumnInfo[],
  jsonAsObject: boolean,
  retyped: readonly ColumnInfo[] = [],
): JsonSchema {
  const properties: Record<string, JsonSchema> = { ...((plan.schema.properties ?? {}) as Record<string, JsonSchema>) };
  const definitions: Record<string, JsonSchema> = { ...((plan.schema.definitions ?? {}) as Record<string, JsonSchema>) };
  const options = { jsonAsObject };
  for (const column of [...uncataloged(plan), ...addedColumns]) {
    // An added column is nullable for every row written before it existed.
    properties[column.name] = columnSchema(column.type, false, options);
    if (column.type.isArray) definitions[arrayDefinitionName(column.type, options)] = arrayDefinition(column.type, options);
  }
  for (const column of retyped) {
    properties[column.name] = columnSchema(column.type, column.notNull, options);
    if (column.type.isArray) definitions[arrayDefinitionName(column.type, options)] = arrayDefinition(column.type, options);
  }
  properties[SDC_LSN] = { type: ['null', 'integer'] };
  properties[SDC_DELETED_AT] = { type: ['null', 'string'], format: 'date-time' };
  const schema: JsonSchema = { type: 'object', properties };
  if (Object.keys(definitions).length > 0) schema.definitions = definitions;
  return schema;
}
