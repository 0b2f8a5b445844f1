// Process entry: load the config (a bad one names the field and exits 2), start the API
// and/or the workers (REGOPS_ROLE), and shut down cleanly on SIGTERM/SIGINT: stop serving and
// taking jobs, give running jobs jobs.shutdownMs to finish (then hand them back), exit 0.
import { ConfigError, loadConfig, type Config } from "./config.js";
import { createLogger } from "./logger.js";
import { startService } from "./service.js";

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`regops: ${err.message}`);
    process.exit(2);
  }
  throw err;
}

const logger = createLogger(config.logLevel);
let service: Awaited<ReturnType<typeof startService>>;
try {
  service = await startService(config, logger);
} catch (err) {
  // The signing section's files are read at start: a bad key or trust policy exits 2 too.
  if (err instanceof ConfigError) {
    console.error(`regops: ${err.message}`);
    process.exit(2);
  }
  throw err;
}
await service.app.listen({ port: config.port, host: config.host });
logger.info(
  { role: config.role, registries: config.registries.map((r) => r.id), hosts: config.hosts.map((h) => h.id) },
  "regops started",
);

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal, shutdownMs: config.jobs.shutdownMs }, "shutting down");
    // A backstop: jobs get shutdownMs, the rest of the shutdown (connections, ticks) a little more.
    setTimeout(() => {
      logger.error("shutdown did not finish in time; exiting");
      process.exit(1);
    }, config.jobs.shutdownMs + 15_000).unref();
    service.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
