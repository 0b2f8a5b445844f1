// A free TCP port on 127.0.0.1, for servers that must be told their port before they start
// (a registry on the host network, a bench's Redis).
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A free TCP port on 127.0.0.1 that stays free while the test keeps it closed: one below the
 * kernel's ephemeral range (ip_local_port_range), which listen(0), outgoing connections and
 * Docker's published ports take theirs from. A port from freePort() that a test lets go can be
 * handed to the next server another test starts, and "connection refused" becomes that
 * server's answer.
 */
export async function quietPort(): Promise<number> {
  const range = await readFile("/proc/sys/net/ipv4/ip_local_port_range", "utf8").catch(() => "32768 60999");
  const low = Number(range.trim().split(/\s+/)[0]) || 32768;
  const from = Math.min(10_000, low - 1000);
  for (let tries = 0; tries < 50; tries++) {
    const port = from + Math.floor(Math.random() * (low - from));
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once("error", () => resolve(false));
      srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port between ${from} and ${low}`);
}
