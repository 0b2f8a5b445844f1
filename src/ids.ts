// The id every configured entry has (registries, hosts, API keys, watches, schedules,
// notifications): it appears in URLs, Redis keys and metric labels, so it is kept short and plain.
import { z } from "zod";

export const idSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "must be lowercase letters, digits, - or _ (at most 63)");
