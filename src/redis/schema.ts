// The `redis` section of the config file: one server, a Cluster (seed nodes) or Sentinel (the
// sentinels and the master's name). Without it, REDIS_URL names the one server. Secrets come
// in as `env:NAME` and are resolved by config.ts before this schema sees them.
import { z } from "zod";

export interface HostPort {
  host: string;
  port: number;
}

// "10.0.0.1:6379", "redis-0.internal:6379" or "[::1]:6379".
const HOST_PORT = /^(?:\[([0-9a-fA-F:.]+)\]|([a-zA-Z0-9.-]+)):(\d{1,5})$/;

const hostPortSchema = z
  .string()
  .max(300)
  .transform((value, ctx): HostPort => {
    const m = HOST_PORT.exec(value);
    const port = m ? Number(m[3]) : 0;
    if (!m || port < 1 || port > 65535) {
      ctx.addIssue({ code: "custom", message: `must be host:port (e.g. 10.0.0.1:6379), got "${value}"` });
      return z.NEVER;
    }
    return { host: m[1] ?? m[2]!, port };
  });

const tlsSchema = z
  .strictObject({
    /** PEM file of the CA that signed the servers' certificates. */
    ca: z.string().min(1).max(4096),
    /** Client certificate and key (PEM files), when the servers require one. */
    cert: z.string().min(1).max(4096).optional(),
    key: z.string().min(1).max(4096).optional(),
  })
  .refine((t) => (t.cert === undefined) === (t.key === undefined), { message: "cert and key go together", path: ["cert"] });

export const redisSchema = z
  .strictObject({
    mode: z.enum(["single", "cluster", "sentinel"]).default("single"),
    /** The server (single) or the cluster's seed nodes; the rest are discovered. */
    nodes: z.array(hostPortSchema).max(64).default([]),
    /** mode sentinel: where the sentinels listen. */
    sentinels: z.array(hostPortSchema).max(16).default([]),
    /** mode sentinel: the master's name, as the sentinels know it. */
    name: z.string().min(1).max(128).optional(),
    /** An ACL user; without it, the `default` user. */
    username: z.string().min(1).max(256).optional(),
    password: z.string().min(1).max(1024).optional(),
    /** mode sentinel: the sentinels' own password, when it differs from the servers'. */
    sentinelPassword: z.string().min(1).max(1024).optional(),
    tls: tlsSchema.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.mode === "single" && r.nodes.length > 1) {
      ctx.addIssue({ code: "custom", path: ["nodes"], message: "mode single takes one node (or none: REDIS_URL)" });
    }
    if (r.mode === "cluster" && r.nodes.length === 0) {
      ctx.addIssue({ code: "custom", path: ["nodes"], message: "mode cluster needs at least one seed node" });
    }
    if (r.mode === "sentinel") {
      if (r.sentinels.length === 0) ctx.addIssue({ code: "custom", path: ["sentinels"], message: "mode sentinel needs at least one sentinel" });
      if (!r.name) ctx.addIssue({ code: "custom", path: ["name"], message: "mode sentinel needs the master's name" });
    }
    if (r.mode !== "sentinel" && r.sentinels.length > 0) {
      ctx.addIssue({ code: "custom", path: ["sentinels"], message: "only for mode sentinel" });
    }
  });

export type RedisConfig = z.infer<typeof redisSchema>;
