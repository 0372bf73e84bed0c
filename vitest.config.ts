import { defineConfig } from "vitest/config";

// Tests live beside the module they test; tests/ holds only the suites that run the whole system.
const unitAndIntegration = [
  "{gateway,consumer,shared,stack}/src/**/*.test.ts",
  "proxies/*/src/**/*.test.ts",
  "tools/**/*.test.ts",
  "examples/**/*.test.ts",
  "ops/**/*.test.ts",
  "tests/**/*.test.ts",
];

export default defineConfig({
  resolve: {
    // graphql 16 is CommonJS + ESM; one realm only, or Pothos and Yoga disagree about GraphQLScalarType.
    alias: { graphql: "graphql/index.js" },
  },
  test: {
    globalSetup: ["tests/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    projects: [
      {
        extends: true,
        test: {
          name: "main",
          include: unitAndIntegration,
          exclude: [
            "tests/faults/**",
            "tests/security/**",
            "tests/cluster/**",
            "tests/ops/**",
            "**/node_modules/**",
          ],
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: { name: "faults", include: ["tests/faults/**/*.test.ts"], fileParallelism: false },
      },
      {
        extends: true,
        test: { name: "cluster", include: ["tests/cluster/**/*.test.ts"], fileParallelism: false },
      },
      {
        extends: true,
        // A real Prometheus scraping a running system: alerts fire and resolve, the dashboard's queries.
        test: { name: "ops", include: ["tests/ops/**/*.test.ts"], fileParallelism: false },
      },
      {
        extends: true,
        test: {
          name: "security",
          include: ["tests/security/**/*.test.ts"],
          fileParallelism: false,
        },
      },
    ],
  },
});
