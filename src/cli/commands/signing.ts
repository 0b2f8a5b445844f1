// regops sign IMAGE and regops verify IMAGE: POST /v1/jobs {type: sign|verify}. A verify job
// that finds no signature the service's policy accepts fails: exit 1.
import type { Command } from "commander";
import type { Runtime } from "../runtime.js";
import { compact } from "./flags.js";
import { addJobFlags, runJob, type JobFlags } from "./run-job.js";

export function signBody(image: string, flags: { role?: string; format?: string }): Record<string, unknown> {
  return compact({ type: "sign", image, format: flags.format, role: flags.role });
}

export function verifyBody(image: string): Record<string, unknown> {
  return { type: "verify", image };
}

export function registerSigning(program: Command, rt: Runtime): void {
  addJobFlags(
    program
      .command("sign")
      .description("sign an image's digest: Notation or cosign signature in the registry, or Notary v1 (Docker Content Trust)")
      .argument("<image>", "a reference (a tag, or a digest for notation and cosign)")
      .option("--format <format>", "notation, cosign or notary-v1 (default: the service's signing.default)")
      .option("--role <role>", "notary-v1 only: targets or a delegation such as targets/releases"),
  ).action((image: string, flags: { role?: string; format?: string } & JobFlags) => runJob(rt, signBody(image, flags), flags));

  addJobFlags(
    program
      .command("verify")
      .description("check the image's signatures against the service's trust policy and keys; exit 1 when none is accepted")
      .argument("<image>", "a reference"),
  ).action((image: string, flags: JobFlags) => runJob(rt, verifyBody(image), flags));
}
