import { isLoopbackHost } from "./listen-address.ts";

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
