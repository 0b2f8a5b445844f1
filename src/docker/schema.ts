// One Docker host, as the config file describes it. config.ts composes this schema.
import { z } from "zod";
import { idSchema } from "../ids.js";

export const hostSchema = z.object({
  id: idSchema,
  docker: z
    .string()
    .regex(/^(unix|tcp|http|https|npipe):\/\//, "must be unix:///path/docker.sock or tcp://host:port"),
  tls: z.object({ ca: z.string(), cert: z.string(), key: z.string() }).optional(),
});

export type HostConfig = z.infer<typeof hostSchema>;
