// A registry's 404 comes as one of three codes (what it is missing: a manifest, a blob, or the
// whole repository). Callers that only ask "is it there?" take any of them as "no".
import { RegopsError } from "../errors.js";

const NOT_FOUND = new Set<string>(["MANIFEST_UNKNOWN", "BLOB_UNKNOWN", "NAME_UNKNOWN"]);

export function isRegistryNotFound(err: unknown): err is RegopsError {
  return err instanceof RegopsError && NOT_FOUND.has(err.code);
}
