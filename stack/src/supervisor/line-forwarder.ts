import { createInterface } from "node:readline";
import type { Readable } from "node:stream";

/** Hands each line of a child's output to `sink` (the one place logs go). */
export function forwardLines(stream: Readable, sink: (line: string) => void): void {
  createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", sink);
}
