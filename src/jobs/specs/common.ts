// What the job specs share: image references checked by the distribution reference grammar
// (here, at the door, before anything reaches a registry or a Docker engine), the narrower
// kinds of reference a field may need, host ids, Notary roles and signing formats.
import { z } from "zod";
import { RegopsError } from "../../errors.js";
import { parseReference, type Reference } from "../../registry/reference.js";
import { SIGNING_FORMATS } from "../../sign/formats.js";

/** A docker image reference, validated by the distribution reference grammar. */
export const imageReference = z
  .string()
  .max(1024)
  .superRefine((value, ctx) => {
    try {
      parseReference(value);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: err instanceof RegopsError ? err.message : "invalid reference" });
    }
  })
  .meta({ description: "Docker image reference, e.g. nginx:1.27 or 127.0.0.1:5000/team/app:v1", example: "127.0.0.1:5000/team/app:v1" });

/** imageReference, narrowed by what the parsed reference must have. */
function referenceWhere(test: (ref: Reference) => boolean, message: string) {
  return imageReference.refine((value) => {
    try {
      return test(parseReference(value));
    } catch {
      return true; // imageReference has already reported it
    }
  }, message);
}

/** A reference with a tag: what a copy can be written to. */
export const taggedReference = referenceWhere((ref) => ref.tag !== undefined && ref.digest === undefined, "a target needs a tag and no digest, e.g. registry.example.com/team/app:v1");

/** A reference with a tag or a digest: what can be signed or verified. */
export const pinnedReference = referenceWhere((ref) => ref.tag !== undefined || ref.digest !== undefined, "needs a tag or a digest, e.g. registry.example.com/team/app:v1");

/** A repository in a registry: a reference without tag or digest. */
export const repositoryReference = referenceWhere((ref) => ref.tag === undefined && ref.digest === undefined, "a repository has no tag or digest, e.g. registry.example.com/team/app");

export const hostId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "must be a host id from the configuration");

export const notaryRole = z
  .string()
  .regex(/^targets(\/[a-z0-9_-]+)*$/, "must be targets or a delegation such as targets/releases");

export const signingFormat = z
  .enum(SIGNING_FORMATS)
  .meta({ description: "notation or cosign (a signature stored next to the image in its registry), or notary-v1 (Docker Content Trust); default signing.default" });
