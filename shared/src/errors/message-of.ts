/** The message of a thrown value, which JavaScript lets be anything, not only an `Error`. */
export function messageOf(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}
