// The one module of the Workers runtime the gateway's Workers entry uses: the Worker's bindings
// (vars and secrets), readable while the module loads, so a bad setting refuses the Worker at
// startup as the other entries refuse theirs. Declared here instead of pulling in the whole of
// @cloudflare/workers-types for one export.
declare module "cloudflare:workers" {
  /** The Worker's bindings: strings for vars and secrets (other binding kinds are not used). */
  export const env: Record<string, unknown>;
}
