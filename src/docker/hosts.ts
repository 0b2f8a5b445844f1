// The Docker hosts regops manages: one dockerode client per configured host.
import { readFileSync } from "node:fs";
import Docker from "dockerode";
import type { HostConfig } from "./schema.js";
import { RegopsError } from "../errors.js";
import { dockerError } from "./errors.js";

export function dockerClient(host: HostConfig): Docker {
  const url = new URL(host.docker);
  if (url.protocol === "unix:" || url.protocol === "npipe:") return new Docker({ socketPath: url.pathname });
  const tls = host.tls
    ? { ca: readFileSync(host.tls.ca), cert: readFileSync(host.tls.cert), key: readFileSync(host.tls.key) }
    : {};
  const protocol = host.tls || url.protocol === "https:" ? "https" : "http";
  return new Docker({ host: url.hostname, port: Number(url.port || (protocol === "https" ? 2376 : 2375)), protocol, ...tls });
}

export class DockerHosts {
  private readonly clients = new Map<string, Docker>();
  constructor(readonly configs: readonly HostConfig[]) {}

  ids(): string[] {
    return this.configs.map((h) => h.id);
  }

  get(id: string): Docker {
    let client = this.clients.get(id);
    if (!client) {
      const cfg = this.configs.find((h) => h.id === id);
      if (!cfg) throw new RegopsError("HOST_NOT_CONFIGURED", `Docker host "${id}" is not configured`);
      client = dockerClient(cfg);
      this.clients.set(id, client);
    }
    return client;
  }

  /** Pings every host; returns the ids that did not answer (for /readyz). */
  async down(timeoutMs = 2000): Promise<{ id: string; reason: string }[]> {
    const results = await Promise.all(
      this.configs.map(async (h) => {
        try {
          await Promise.race([
            this.get(h.id).ping(),
            new Promise((_, reject) => setTimeout(() => reject(Object.assign(new Error("no answer"), { code: "ETIMEDOUT" })), timeoutMs).unref()),
          ]);
          return undefined;
        } catch (err) {
          return { id: h.id, reason: dockerError(err, h.id).message };
        }
      }),
    );
    return results.filter((r): r is { id: string; reason: string } => r !== undefined);
  }
}
