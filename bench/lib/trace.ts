// BENCH_TRACE=1: counts the Redis commands every ioredis connection in this process sends
// (regops' main connection, its subscribers, BullMQ's duplicates) during a regops round, by
// command, with Lua scripts named (BullMQ's and regops' own). Commands inside one MULTI or
// pipeline are counted one by one, though they share a round trip.
// It wraps ioredis' sendCommand for the length of the round only; off by default, since even
// a counter per command is not free.
import { Redis } from "ioredis";

interface CommandLike {
  name: string;
  args: unknown[];
}

type SendCommand = (this: Redis, command: CommandLike, ...rest: unknown[]) => unknown;

export interface TraceReport {
  perJob: number;
  top: { name: string; perJob: number }[];
}

export function startTrace(): { pause(): void; stop(jobs: number): TraceReport } {
  const proto = Redis.prototype as unknown as { sendCommand: SendCommand };
  const original = proto.sendCommand;
  const counts = new Map<string, number>();
  const scriptNames = new Map<string, string>();

  const nameOf = (redis: Redis, command: CommandLike): string => {
    if (command.name !== "evalsha" && command.name !== "eval") return command.name;
    const sha = String(command.args[0]);
    let name = scriptNames.get(sha);
    if (!name) {
      // ioredis keeps every defineCommand'ed script, with its sha, on the connection.
      const scripts = (redis as unknown as { scriptsSet: Record<string, { sha: string }> }).scriptsSet ?? {};
      name = Object.entries(scripts).find(([, s]) => s.sha === sha)?.[0] ?? `${command.name} ${sha.slice(0, 8)}`;
      scriptNames.set(sha, name);
    }
    return `${command.name} ${name.replace(/:\d+\.\d+\.\d+$/, "")}`; // drop BullMQ's version suffix
  };

  proto.sendCommand = function (this: Redis, command: CommandLike, ...rest: unknown[]) {
    const name = nameOf(this, command);
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return original.call(this, command, ...rest);
  };

  return {
    /** Stops counting (the round is over; reading results back is not part of it). */
    pause() {
      proto.sendCommand = original;
    },
    stop(jobs: number): TraceReport {
      proto.sendCommand = original;
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      const top = [...counts.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([name, n]) => ({ name, perJob: n / jobs }));
      return { perJob: total / jobs, top };
    },
  };
}
