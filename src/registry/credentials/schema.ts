// A registry's `auth`: written-in username/password, a docker config.json, or Amazon ECR access keys.
import { z } from "zod";

export const registryAuthSchema = z.union([
  z.strictObject({ username: z.string().min(1), password: z.string().min(1) }),
  z.strictObject({ dockerConfig: z.string().min(1) }),
  z.strictObject({
    ecr: z.strictObject({
      accessKeyId: z.string().min(1),
      secretAccessKey: z.string().min(1),
      sessionToken: z.string().min(1).optional(),
      region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "must be an AWS region such as eu-west-1").optional(),
    }),
  }),
]);

export type AuthConfig = z.infer<typeof registryAuthSchema>;
