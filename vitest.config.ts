import { defineConfig } from "vitest/config";

// One runner, three projects: pure unit tests beside the code, integration tests against a real
// NATS JetStream and PostgreSQL (*.int.test.ts), and end-to-end tests that start services as
// separate processes (test/**/*.e2e.test.ts). Workspace packages resolve to their TypeScript
// source through the `kopru-source` export condition, so no build step sits before a test run.
// Vitest runs every file without file parallelism in one queue, one after another, so `pnpm test`
// starts the end-to-end project as a second vitest process beside unit + integration: an
// end-to-end file spends most of its time waiting on its own network of processes, not on a core.
// Vitest hands ssr conditions to its workers as `node --conditions`, which also steer require():
// listing "import" there would make pg's require("pg-pool") load an ESM build and crash.
const shared = {
  resolve: { conditions: ["kopru-source", "node", "import", "module", "default"] },
  ssr: {
    resolve: {
      conditions: ["kopru-source", "node", "development|production"],
      externalConditions: ["kopru-source"],
    },
  },
};
// Once per run: starts a nats-server of the run's own (unless NATS_URL names one), so no test touches
// a demo's or another run's streams, resolves PostgreSQL, and hands both URLs to the workers.
const globalSetup = ["libs/testing/src/global-setup.ts"];

export default defineConfig({
  test: {
    projects: [
      {
        ...shared,
        test: {
          name: "unit",
          include: ["{libs,services,scripts,deploy}/**/*.test.ts"],
          exclude: ["**/node_modules/**", "**/dist/**", "**/*.int.test.ts", "**/*.e2e.test.ts"],
        },
      },
      {
        ...shared,
        test: {
          name: "integration",
          globalSetup,
          include: ["{libs,services,deploy}/**/*.int.test.ts"],
          exclude: ["**/node_modules/**", "**/dist/**"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        ...shared,
        test: {
          name: "e2e",
          globalSetup,
          include: ["test/**/*.e2e.test.ts"],
          exclude: ["**/node_modules/**"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      // Faults injected into a whole network (killed services, a stopped database, a broker cluster
      // losing nodes): minutes per file, so `pnpm test` leaves it out; `pnpm test:chaos` runs it
      // (docs/chaos.md).
      {
        ...shared,
        test: {
          name: "chaos",
          globalSetup,
          include: ["test/chaos/*.chaos.test.ts"],
          exclude: ["**/node_modules/**"],
          testTimeout: 1_800_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
