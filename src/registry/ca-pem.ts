// `ca` as the registries API takes it: PEM text of one or more certificates, never a path.
// The config file (written by the operator) may name a file; an API caller must not make the
// server open one: whether it exists, or can be read, would show in the answer or the job.
import { X509Certificate } from "node:crypto";
import { z } from "zod";

/** registryApi in the config file: limits of what /v1/registries and GraphQL accept. */
export const registryApiSchema = z
  .strictObject({
    // A private CA and its intermediates fit in a few KiB each; this bounds the text parsed.
    maxCaBytes: z.number().int().min(4096).max(4 * 1024 * 1024).default(65_536),
  })
  .prefault({});

export type RegistryApiLimits = z.infer<typeof registryApiSchema>;

/** The PEM blocks of a text, line by line (linear: no pattern to backtrack over); undefined when anything else is in it. */
function pemBlocks(text: string): { label: string; pem: string }[] | undefined {
  const blocks: { label: string; pem: string }[] = [];
  let open: { label: string; lines: string[] } | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!open) {
      if (line === "") continue;
      const begin = /^-----BEGIN ([A-Z0-9 ]{1,40})-----$/.exec(line);
      if (!begin) return undefined;
      open = { label: begin[1]!, lines: [line] };
    } else {
      open.lines.push(line);
      if (line === `-----END ${open.label}-----`) {
        blocks.push({ label: open.label, pem: `${open.lines.join("\n")}\n` });
        open = undefined;
      }
    }
  }
  return open ? undefined : blocks;
}

/** Why `ca` is not acceptable through the API, or undefined when it is PEM certificates within the bound. */
export function caPemProblem(ca: string, maxBytes: number): string | undefined {
  if (Buffer.byteLength(ca) > maxBytes) return `must be at most ${maxBytes} bytes of PEM (registryApi.maxCaBytes)`;
  // One message for every path, readable or not: the answer tells nothing about the server's files.
  const blocks = pemBlocks(ca);
  if (!blocks?.length) return "must be PEM text (-----BEGIN CERTIFICATE-----); a file path is accepted in the config file only";
  for (const [i, block] of blocks.entries()) {
    if (block.label !== "CERTIFICATE") return `block ${i + 1} is a ${block.label}, not a CERTIFICATE`;
    try {
      new X509Certificate(block.pem);
    } catch {
      return `block ${i + 1} is not a readable X.509 certificate`;
    }
  }
  return undefined;
}
