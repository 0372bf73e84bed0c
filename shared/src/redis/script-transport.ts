import { LUA_SOURCES } from "./lua-sources.generated.ts";

export type ScriptName = keyof typeof LUA_SOURCES;

/** A Lua script with its SHA-1, so it is sent once and then run by SHA. */
export interface LuaScript {
  name: ScriptName;
  source: string;
  sha1: string;
}

/**
 * The one thing the admission code needs from a Redis client: run a script by SHA, falling back to
 * EVAL when the server answers NOSCRIPT. The gateway implements it over `@upstash/redis`, the Node
 * side over a RESP client; the scripts and their callers are shared.
 */
export interface ScriptTransport {
  evalScript(script: LuaScript, keys: string[], args: string[]): Promise<unknown>;
}

async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

let loaded: Promise<Record<ScriptName, LuaScript>> | undefined;

/** All scripts with their SHA-1 (Web Crypto, so it runs on every runtime), computed once. */
export function loadScripts(): Promise<Record<ScriptName, LuaScript>> {
  loaded ??= (async () => {
    const entries = await Promise.all(
      (Object.keys(LUA_SOURCES) as ScriptName[]).map(
        async (name) =>
          [
            name,
            { name, source: LUA_SOURCES[name], sha1: await sha1Hex(LUA_SOURCES[name]) },
          ] as const,
      ),
    );
    return Object.fromEntries(entries) as Record<ScriptName, LuaScript>;
  })();
  return loaded;
}

export function isNoScriptError(error: unknown): boolean {
  return error instanceof Error && /noscript/i.test(error.message);
}
