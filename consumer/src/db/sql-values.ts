/**
 * Values crossing raw SQL. MikroORM inlines an array parameter as a comma-separated list, so a list
 * travels as ONE jsonb parameter and is unpacked in SQL (`jsonb_to_recordset`, `jsonb_array_elements_text`).
 */
export function jsonParam(value: unknown): string {
  return JSON.stringify(value);
}

/** A timestamptz from a raw query (MikroORM's type parsers return it as text) as a Date. */
export function dateFromSql(value: unknown): Date {
  const date = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(date.getTime())) throw new TypeError(`not a timestamp: ${String(value)}`);
  return date;
}
