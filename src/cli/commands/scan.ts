// regops scan IMAGE [--fail-on HIGH]: POST /v1/jobs {type: scan}. The gate is the service's
// (result.passed); the CLI turns a gate that did not pass into exit 1.
import { Option, type Command } from "commander";
import type { Runtime } from "../runtime.js";
import { compact } from "./flags.js";
import { scanGate } from "./gates.js";
import { addJobFlags, runJob, type JobFlags } from "./run-job.js";

export const SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW"] as const;

export interface ScanFlags {
  failOn?: string;
  engine?: string;
  sign?: boolean;
}

export function scanBody(image: string, flags: ScanFlags): Record<string, unknown> {
  return compact({
    type: "scan",
    image,
    engine: flags.engine,
    failOn: flags.failOn?.toUpperCase(),
    then: flags.sign ? [{ type: "sign" }] : undefined,
  });
}

export function registerScan(program: Command, rt: Runtime): void {
  addJobFlags(
    program
      .command("scan")
      .description("find an image's packages and their known vulnerabilities; --fail-on makes it a gate")
      .argument("<image>", "image reference, by tag or digest")
      .addOption(new Option("--fail-on <severity>", "exit 1 when a finding is this severe or worse").choices([...SEVERITIES, ...SEVERITIES.map((s) => s.toLowerCase())]))
      .addOption(new Option("--engine <engine>", "default: the service's scanner.engine").choices(["builtin", "harbor", "trivy"]))
      .option("--sign", "sign the image after a scan that passed its gate"),
  ).action((image: string, flags: ScanFlags & JobFlags) => runJob(rt, scanBody(image, flags), flags, scanGate));
}
