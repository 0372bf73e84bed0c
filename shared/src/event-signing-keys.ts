import { z } from "zod";
import { splitCommaList } from "./comma-list.ts";
import { LOCAL_DEFAULTS } from "./defaults.ts";
import { assertSecretLength } from "./http-kit/credentials-rule.ts";
import { isLoopbackHost } from "./http-kit/listen-address.ts";

/**
 * The variables of the event keys (issue-event-signature.ts), read by the gateway and by both
 * consumer processes: spread into a process's environment schema.
 */
export const eventKeysEnv = {
  /** Signs every event produced; verifies too, first. The same value in gateway and consumers. */
  EVENT_SIGNING_KEY: z.string().min(1).default(LOCAL_DEFAULTS.EVENT_SIGNING_KEY),
  /**
   * Comma-separated keys accepted besides EVENT_SIGNING_KEY while keys rotate: the next key before
   * the signers switch to it, the previous one until no event or dead letter signed by it is left.
   */
  EVENT_VERIFICATION_KEYS: z.string().optional(),
};

export interface EventKeys {
  /** What a signer signs with. */
  signingKey: string;
  /** What a verifier accepts: the signing key first, then the rotation's others. */
  verificationKeys: string[];
}

/** A host the process uses events on, named in a refusal. */
export interface EventKeyUse {
  host: string;
  /** E.g. `HOST`, `KAFKA_BROKERS`. */
  what: string;
}

/**
 * The event keys, held to the credentials rule (credentials-rule.ts): the published development key
 * only while everything the process uses events on is on loopback, where only this machine can
 * produce; any other key at least 32 bytes. Throws the one line that names what to set.
 */
export function readEventKeys(
  c: { EVENT_SIGNING_KEY: string; EVENT_VERIFICATION_KEYS?: string | undefined },
  usedOn: readonly EventKeyUse[],
): EventKeys {
  const extra = splitCommaList(c.EVENT_VERIFICATION_KEYS ?? "");
  const developmentValue = LOCAL_DEFAULTS.EVENT_SIGNING_KEY;
  assertSecretLength({
    variable: "EVENT_SIGNING_KEY",
    value: c.EVENT_SIGNING_KEY,
    developmentValue,
  });
  for (const value of extra)
    assertSecretLength({ variable: "EVENT_VERIFICATION_KEYS", value, developmentValue });
  const keys = [c.EVENT_SIGNING_KEY, ...extra.filter((key) => key !== c.EVENT_SIGNING_KEY)];
  const remote = usedOn.find(({ host }) => !isLoopbackHost(host));
  if (keys.includes(developmentValue) && remote)
    throw new Error(
      `refusing the development event signing key with ${remote.what} on ${remote.host}, as it is ` +
        "accepted on loopback only (anyone could sign events with it): set EVENT_SIGNING_KEY to a " +
        "secret of its own, the same in the gateway and the consumer processes",
    );
  return { signingKey: c.EVENT_SIGNING_KEY, verificationKeys: keys };
}

/** The hosts of a `host:port` list (`KAFKA_BROKERS`), IPv6 literals in brackets included. */
export function hostsOfBrokerList(brokers: readonly string[]): string[] {
  return brokers.map((broker) => {
    const bracketed = /^\[([^\]]+)\]/.exec(broker);
    return bracketed?.[1] ?? broker.replace(/:\d+$/, "");
  });
}
