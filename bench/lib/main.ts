// How a bench ends: cleaned up (bench/lib/procs.ts) and exited, 0 when the report was written and
// 1 with the error otherwise. The exit is explicit because BullMQ and undici may keep handles
// open for a moment after the report is written.
import { cleanupNow } from "./procs.js";

export function runBench(label: string, main: () => Promise<void>): void {
  main().then(
    () => {
      cleanupNow();
      process.exit(0);
    },
    (err: unknown) => {
      console.error(`${label} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      cleanupNow();
      process.exit(1);
    },
  );
}
