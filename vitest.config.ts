import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Answers of a service started by test/helpers/service.ts are held to openapi.yaml.
    setupFiles: ["test/helpers/contract-setup.ts"],
    // One line when the upstream corpus is absent (its tests skip); under CI=true its absence fails the
    // run. The console is built into dist/ui when missing or stale.
    globalSetup: ["test/helpers/corpus-setup.ts", "test/helpers/console-setup.ts"],
    // Integration files start their own containers; forks keep dockerode and BullMQ handles apart.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ["default"],
  },
});
