import { isLoopbackHost } from "./listen-address.ts";

/**
 * The shortest secret of its own a process accepts: 32 bytes, the HS256 key size RFC 7518 asks
 * for, and more than anyone guesses through an HTTP endpoint. `openssl rand -hex 32` makes one.
 */
export const MIN_SECRET_BYTES = 32;

export interface CredentialsRuleInput {
  /** The host the service is about to listen on. */
  host: string;
  /** The variables that set its credentials, named in the error. */
  credentialVariables: string[];
  /** Whether the configured credentials are the published development ones. */
  usesDevelopmentCredentials: boolean;
}

/**
 * The credentials rule (docs/architecture.md, "Configuration"): the development credentials (the
 * pinned local defaults) are accepted only while a service listens on loopback. Anywhere else
 * anyone who has read the README could use them, so the service refuses to start until credentials
 * of its own are configured.
 */
export function assertCredentialsFitHost({
  host,
  credentialVariables,
  usesDevelopmentCredentials,
}: CredentialsRuleInput): void {
  if (usesDevelopmentCredentials && !isLoopbackHost(host)) {
    throw new Error(
      `refusing to listen on ${host} with the development credentials, which are accepted on ` +
        `loopback only: set ${credentialVariables.join(" and ")} to credentials of its own`,
    );
  }
}

export interface SecretSetting {
  /** The variable that sets the secret, named in a refusal. */
  variable: string;
  value: string;
  /** The published development value (shared/src/defaults.ts); none for a secret without one. */
  developmentValue?: string;
}

/**
 * A secret of its own is long enough to resist guessing: at least `MIN_SECRET_BYTES` bytes of
 * UTF-8. The published development value is exempt (the credentials rule keeps it on loopback).
 */
export function assertSecretLength({ variable, value, developmentValue }: SecretSetting): void {
  if (value === developmentValue) return;
  const bytes = new TextEncoder().encode(value).length;
  if (bytes < MIN_SECRET_BYTES)
    throw new Error(
      `${variable} is ${bytes} bytes long, and a secret of its own must be at least ` +
        `${MIN_SECRET_BYTES}: set ${variable} to a longer one (e.g. openssl rand -hex 32)`,
    );
}

export interface SecretUse extends SecretSetting {
  /** The host the process listens on while it checks this secret. */
  listensOn?: string;
  /** The host the process sends this secret to. */
  sendsTo?: string;
}

/**
 * Both halves of the rule for one secret: the development value only while every host it is used
 * on (listened on, or sent to) is loopback, any other value at least `MIN_SECRET_BYTES` long.
 * Throws the one line that names the variable to set.
 */
export function assertSecretFitsUse({ listensOn, sendsTo, ...secret }: SecretUse): void {
  assertSecretLength(secret);
  if (secret.value !== secret.developmentValue) return;
  if (listensOn !== undefined)
    assertCredentialsFitHost({
      host: listensOn,
      credentialVariables: [secret.variable],
      usesDevelopmentCredentials: true,
    });
  if (sendsTo !== undefined && !isLoopbackHost(sendsTo))
    throw new Error(
      `refusing to send the development ${secret.variable} to ${sendsTo}, as it is accepted on ` +
        `loopback only: set ${secret.variable} to the secret that service was given`,
    );
}

/**
 * Credentials of separate purposes (the internal API's, a scraper's, the dashboard's): each one set
 * at least `MIN_SECRET_BYTES` long, and no two the same, or one purpose's holder has the other's
 * power (a scraper's token that opens the internal API creates coupons). Unset ones are skipped.
 */
export function assertSecretsOfTheirOwn(
  settings: ReadonlyArray<SecretSetting | { variable: string; value: undefined }>,
): void {
  const set = settings.filter((s): s is SecretSetting => s.value !== undefined);
  for (const setting of set) assertSecretLength(setting);
  for (const [i, a] of set.entries())
    for (const b of set.slice(i + 1))
      if (a.value === b.value)
        throw new Error(
          `${a.variable} and ${b.variable} are the same secret: give each purpose a credential of its own, or whoever holds one holds both`,
        );
}
