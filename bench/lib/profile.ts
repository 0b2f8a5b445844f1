// BENCH_PROFILE=1: a V8 CPU profile of this process over the regops rounds only (peers and
// start-up excluded), written next to the results as a .cpuprofile (open it in Chrome
// DevTools or speedscope). Everything regops does in-process is in it: Fastify, zod, BullMQ,
// ioredis, undici, and the bench's own client, which shares the process.
import { Session } from "node:inspector/promises";
import { writeFileSync } from "node:fs";

export interface Profiler {
  resume(): Promise<void>;
  pause(): Promise<void>;
  /** Writes the profile of the last resumed stretch (the last round); returns its path. */
  write(path: string): Promise<string>;
}

export async function startProfiler(): Promise<Profiler> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 }); // µs
  const profiles: unknown[] = [];
  let running = false;
  const pause = async () => {
    if (!running) return;
    running = false;
    const { profile } = await session.post("Profiler.stop");
    profiles.push(profile);
  };
  return {
    pause,
    async resume() {
      if (running) return;
      running = true;
      await session.post("Profiler.start");
    },
    async write(path: string) {
      await pause();
      // One file per round would be a pile of files; the last round stands for the others.
      writeFileSync(path, JSON.stringify(profiles[profiles.length - 1] ?? {}));
      session.disconnect();
      return path;
    },
  };
}
