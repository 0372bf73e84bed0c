import { builder } from "./builder.ts";

builder.queryField("serverTime", (t) =>
  t.field({
    type: "DateTime",
    description:
      "The gateway's clock now: what a page counts down to startsAt by, whatever the visitor's own " +
      "clock says (admission decides on Redis's clock, kept in step with the gateway's by NTP).",
    resolve: () => new Date(),
  }),
);
