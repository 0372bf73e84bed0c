// GraphQL Code Generator's configuration: typed documents for the page, from the repository's
// schema.graphql and the operations written in src/documents.ts. `npm run generate` writes them
// to src/gql/ (checked in); codegen.test.ts fails when they are not what this would write now.
import { join } from "node:path";
import type { CodegenConfig } from "@graphql-codegen/cli";

const here = import.meta.dirname;

/** Where the generated modules go: the client preset's folder, imported as `./gql/index.ts`. */
export const GENERATED_DIR = join(here, "src", "gql");

const config: CodegenConfig = {
  schema: join(here, "..", "..", "schema.graphql"),
  documents: [join(here, "src", "documents.ts")],
  generates: {
    [`${GENERATED_DIR}/`]: {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        // Union types, not TypeScript enums: the project's TypeScript erases types only.
        enumsAsTypes: true,
        useTypeImports: true,
        // Imports with extensions, as the project's ES modules and its NodeNext resolution want.
        emitLegacyCommonJSImports: false,
        scalars: { DateTime: "string" },
        // Unset input fields are absent, not `null`: what the gateway's schema expects.
        avoidOptionals: false,
      },
    },
  },
  silent: true,
};

export default config;
