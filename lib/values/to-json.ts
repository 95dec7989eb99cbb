/** PostgreSQL text of a non-NULL value → JSON text: what every converter in lib/values is. */
export type ToJson = (text: string) => string;
