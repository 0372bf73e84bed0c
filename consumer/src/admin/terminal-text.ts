// C0 controls but tab and newline, DEL, and C1 controls (0x80-0x9f: some terminals read 0x9b as CSI).
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROLS_AND_BREAKS = /[\u0000-\u001f\u007f-\u009f]/g;

const hex = (char: string) => char.charCodeAt(0).toString(16).padStart(2, "0");

/**
 * Text from a record (an error message, a payload, a reason: written by whoever produced the
 * record) made safe to print on a terminal: every control character becomes a visible `\xNN`, so
 * an escape sequence in a dead letter cannot move the cursor, rewrite what the operator sees, set
 * the window title or worse. With `singleLine`, tab and newline are escaped too (a table cell).
 */
export function terminalSafe(text: string, { singleLine = false }: { singleLine?: boolean } = {}) {
  return text.replace(singleLine ? CONTROLS_AND_BREAKS : CONTROLS, (char) => `\\x${hex(char)}`);
}

/**
 * JSON for a terminal. `JSON.stringify` escapes C0 controls but leaves DEL and the C1 controls raw;
 * here they are `\u00NN` too, which any JSON reader turns back into the same characters.
 */
export function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f]/g, (char) => `\\u00${hex(char)}`);
}
