// regops sign IMAGE and regops verify IMAGE: POST /v1/jobs {type: sign|verify}. A verify job
// that finds no signature, or one for another digest, fails: exit 1.
import type { Command } from "commander";
import type { Runtime } from "../runtime.js";
import { compact } from "./flags.js";
import { addJobFlags, runJob, type JobFlags } from "./run-job.js";

export function signBody(image: string, flags: { role?: string }): Record<string, unknown> {
  return compact({ type: "sign", image, role: flags.role });
}

export function verifyBody(image: string): Record<string, unknown> {
  return { type: "verify", image };
}

export function registerSigning(program: Command, rt: Runtime): void {
  addJobFlags(
    program
      .command("sign")
      .description("sign a tag's current digest in Notary (Docker Content Trust)")
      .argument("<image>", "a tagged reference")
      .option("--role <role>", "targets or a delegation such as targets/releases"),
  ).action((image: string, flags: { role?: string } & JobFlags) => runJob(rt, signBody(image, flags), flags));

  addJobFlags(
    program
      .command("verify")
      .description("check a tag's signature in Notary against the registry's digest; exit 1 when it does not match")
      .argument("<image>", "a tagged reference"),
  ).action((image: string, flags: JobFlags) => runJob(rt, verifyBody(image), flags));
}
