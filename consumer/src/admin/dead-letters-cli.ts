// npm run dead-letters -- list | replay: dead letters through the control process's internal API.
import { parseArgs } from "node:util";
import { messageOf } from "#shared/errors/message-of.ts";
import { parseId } from "#shared/ids.ts";
import {
  DEAD_LETTER_PAGE,
  type DeadLetterJson,
  type ReplayResultJson,
} from "#shared/internal-api/contract.ts";
import {
  createInternalApiClient,
  type InternalApiClient,
} from "#shared/internal-api/internal-api-client.ts";
import { loadConsumerConfig } from "../config.ts";
import { terminalSafe, terminalSafeJson } from "./terminal-text.ts";

export const USAGE = `usage:
  npm run dead-letters -- list [--coupon <couponId>] [--limit <n>] [--json]
  npm run dead-letters -- replay <deadLetterId> [--json]
  npm run dead-letters -- replay --coupon <couponId> [--json]
Talks to the control process at INTERNAL_API_URL with INTERNAL_API_TOKEN.`;

export type CliCommand =
  | { kind: "list"; couponId: string | null; limit: number; json: boolean }
  | { kind: "replay-one"; id: string; json: boolean }
  | { kind: "replay-coupon"; couponId: string; json: boolean };

const CLI_OPTIONS = {
  allowPositionals: true,
  options: {
    coupon: { type: "string" },
    limit: { type: "string" },
    json: { type: "boolean", default: false },
  },
} as const;

/** Reads the command line into a command, or an error message for the user. */
export function parseCliArgs(
  argv: string[],
): { ok: true; command: CliCommand } | { ok: false; error: string } {
  let parsed: ReturnType<typeof parseArgs<typeof CLI_OPTIONS>>;
  try {
    parsed = parseArgs({ ...CLI_OPTIONS, args: argv });
  } catch (error) {
    return { ok: false, error: messageOf(error) };
  }
  const { positionals, values } = parsed;
  const [verb, target, ...extra] = positionals;
  const json = values.json ?? false;
  if (extra.length > 0) return { ok: false, error: `unexpected arguments: ${extra.join(" ")}` };
  let couponId: string | null = null;
  if (values.coupon !== undefined) {
    const id = parseId(values.coupon);
    if (!id.ok) return { ok: false, error: `--coupon ${id.error}` };
    couponId = id.id;
  }
  if (verb === "list") {
    if (target !== undefined) return { ok: false, error: `list takes no argument (got ${target})` };
    const limit = values.limit === undefined ? DEAD_LETTER_PAGE.default : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > DEAD_LETTER_PAGE.max)
      return { ok: false, error: `--limit must be an integer from 1 to ${DEAD_LETTER_PAGE.max}` };
    return { ok: true, command: { kind: "list", couponId, limit, json } };
  }
  if (verb === "replay") {
    if (values.limit !== undefined) return { ok: false, error: "--limit belongs to list" };
    if (target !== undefined && couponId !== null)
      return { ok: false, error: "replay takes a dead letter id or --coupon, not both" };
    if (couponId !== null) return { ok: true, command: { kind: "replay-coupon", couponId, json } };
    const id = parseId(target);
    if (!id.ok)
      return { ok: false, error: `replay needs a dead letter id or --coupon: id ${id.error}` };
    return { ok: true, command: { kind: "replay-one", id: id.id, json } };
  }
  return { ok: false, error: verb ? `unknown command ${verb}` : "no command given" };
}

/**
 * A table a person can read in a terminal: one dead letter per line. Every cell comes from a record
 * someone else wrote, so each is printed with its control characters escaped, on one line.
 */
export function formatDeadLetters(deadLetters: DeadLetterJson[], total: number): string {
  const header = ["id", "coupon", "error", "attempts", "recorded", "replayed"];
  const rows = deadLetters.map((d) =>
    [
      d.id,
      d.couponId ?? "-",
      `${d.errorClass}: ${d.errorMessage}`.slice(0, 60),
      String(d.attempts),
      d.recordedAt,
      d.replayedAt ? `${d.replayedAt} (${d.replayCount}×)` : "no",
    ].map((cell) => terminalSafe(cell, { singleLine: true })),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [
    line(header),
    ...rows.map(line),
    `${deadLetters.length} shown, ${total} recorded in all`,
  ].join("\n");
}

/** One line per replayed dead letter, with what came of it; the text from records escaped. */
export function formatReplayResults(results: ReplayResultJson[]): string {
  if (results.length === 0) return "nothing to replay";
  return results
    .map((r) =>
      r.kind === "replayed"
        ? `${r.id}: replayed (request ${r.requestId})`
        : r.kind === "not-found"
          ? `${r.id}: not found`
          : `${r.id}: not replayable (${r.reason})`,
    )
    .map((line) => terminalSafe(line, { singleLine: true }))
    .join("\n");
}

/** What the command prints: nothing of a record reaches the terminal unescaped. */
export async function runCommand(command: CliCommand, api: InternalApiClient): Promise<string> {
  switch (command.kind) {
    case "list": {
      const page = await api.listDeadLetters(command);
      return command.json
        ? terminalSafeJson(page)
        : formatDeadLetters(page.deadLetters, page.total);
    }
    case "replay-one":
    case "replay-coupon": {
      const results = await api.replayDeadLetters(
        command.kind === "replay-one" ? { id: command.id } : { couponId: command.couponId },
      );
      return command.json ? terminalSafeJson({ results }) : formatReplayResults(results);
    }
  }
}

if (import.meta.main) {
  const parsed = parseCliArgs(process.argv.slice(2));
  if (!parsed.ok) {
    console.error(`${parsed.error}\n\n${USAGE}`);
    process.exit(2);
  }
  const { internalApi } = loadConsumerConfig("dead-letters");
  try {
    console.log(
      await runCommand(
        parsed.command,
        createInternalApiClient({
          url: internalApi.url,
          token: internalApi.token,
          timeoutMs: 30_000,
        }),
      ),
    );
  } catch (error) {
    // The control process's answer may quote a record: escaped like everything else printed.
    console.error(`${terminalSafe(messageOf(error))} (control process at ${internalApi.url})`);
    process.exit(1);
  }
}
