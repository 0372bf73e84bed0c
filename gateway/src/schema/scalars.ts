import { builder } from "./builder.ts";
import { badInput } from "./errors.ts";

builder.scalarType("DateTime", {
  description: "An ISO-8601 date-time with offset, e.g. 2026-12-01T12:00:00Z.",
  serialize: (value) =>
    value instanceof Date ? value.toISOString() : new Date(value).toISOString(),
  parseValue: (value) => {
    if (
      typeof value !== "string" ||
      !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)
    ) {
      throw badInput("DateTime must be an ISO-8601 string with offset, e.g. 2026-12-01T12:00:00Z");
    }
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw badInput(`DateTime ${value} is not a valid date`);
    return date;
  },
});
