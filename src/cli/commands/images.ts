// regops images get REF, regops manifest REF, regops vulns ID, regops scans get ID: the
// queries about one image or advisory.
import type { Command } from "commander";
import { age, bytes, cell, outputOption, printFields, printStructured, printTable, shortDigest, type OutputFormat } from "../output/format.js";
import type { Runtime } from "../runtime.js";

type R = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the API's JSON, read for display only

export function registerImages(program: Command, rt: Runtime): void {
  const images = program.command("images").description("what regops knows about an image");
  images
    .command("get")
    .description("current digest, digest history, hosts, signatures, last scan")
    .argument("<ref>", "image reference")
    .addOption(outputOption())
    .action(async (ref: string, flags: { output: OutputFormat }) => {
      const image = await (await rt.client()).get<R>("/v1/images", { ref });
      if (printStructured(rt, flags.output, image)) return;
      printFields(rt, [
        ["ref", image.ref],
        ["digest", image.digest],
        ["tag kind", image.tagKind],
        ["checked", image.checkedAt],
        ["verification", image.verification ? `${image.verification.match ? "match" : "MISMATCH"} (${image.verification.checkedAt})` : undefined],
        ["last scan", image.scan ? `${image.scan.findings} findings ${cell(image.scan.bySeverity)}${image.scan.passed === false ? " FAILED" : ""} (job ${image.scan.jobId})` : undefined],
      ]);
      section(rt, "history", flags.output, (image.history ?? []) as R[], [
        { header: "digest", value: (h) => h.digest },
        { header: "seen", value: (h) => h.seenAt },
        { header: "job", value: (h) => h.jobId, wide: true },
      ]);
      section(rt, "hosts", flags.output, Object.entries((image.hosts ?? {}) as Record<string, R>).map(([host, h]) => ({ host, ...h })), [
        { header: "host", value: (h) => h.host },
        { header: "digest", value: (h) => shortDigest(h.digest) },
        { header: "image id", value: (h) => shortDigest(h.imageId) },
        { header: "pulled", value: (h) => age(h.pulledAt) },
      ]);
      section(rt, "signatures", flags.output, (image.signatures ?? []) as R[], [
        { header: "role", value: (s) => s.role },
        { header: "digest", value: (s) => s.digest },
        { header: "signed", value: (s) => s.signedAt },
      ]);
    });

  program
    .command("manifest")
    .description("inspect an image in its registry, like docker manifest inspect")
    .argument("<ref>", "image reference")
    .addOption(outputOption())
    .action(async (ref: string, flags: { output: OutputFormat }) => {
      const m = await (await rt.client()).get<R>("/v1/manifests", { ref });
      if (printStructured(rt, flags.output, m)) return;
      printFields(rt, [
        ["ref", m.ref],
        ["digest", m.digest],
        ["media type", m.mediaType],
        ["size", bytes(m.size)],
        ["platform", m.config ? `${m.config.os ?? ""}/${m.config.architecture ?? ""}` : undefined],
        ["created", m.config?.created],
      ]);
      section(rt, "platforms", flags.output, (m.platforms ?? []) as R[], [
        { header: "platform", value: (p) => [p.os, p.architecture, p.variant].filter(Boolean).join("/") },
        { header: "digest", value: (p) => p.digest },
        { header: "size", value: (p) => bytes(p.size) },
      ]);
      section(rt, "layers", flags.output, (m.layers ?? []) as R[], [
        { header: "digest", value: (l) => l.digest },
        { header: "size", value: (l) => bytes(l.size) },
        { header: "media type", value: (l) => l.mediaType, wide: true },
      ]);
    });

  program
    .command("vulns")
    .description("who is affected by an advisory: digests, references, Docker hosts")
    .argument("<id>", "CVE-…, GHSA-… or another advisory id or alias")
    .addOption(outputOption())
    .action(async (id: string, flags: { output: OutputFormat }) => {
      const report = await (await rt.client()).get<R>("/v1/vulnerabilities", { id });
      if (printStructured(rt, flags.output, report)) return;
      const rows = ((report.affected ?? []) as R[]).flatMap((a) =>
        ((a.refs as string[] | undefined)?.length ? (a.refs as string[]) : [""]).map((ref): R => ({ ...a, ref })),
      );
      if (rows.length === 0) return rt.out(`${report.id ?? id}: no scanned image is affected`);
      printTable(rt, flags.output, rows, [
        { header: "ref", value: (a) => a.ref },
        { header: "digest", value: (a) => shortDigest(a.digest) },
        { header: "packages", value: (a) => ((a.packages ?? []) as R[]).map((p) => `${p.package} ${p.installedVersion}`) },
        { header: "hosts", value: (a) => ((a.hosts ?? []) as R[]).map((h) => h.host) },
        { header: "fixed in", value: (a) => ((a.packages ?? []) as R[]).map((p) => p.fixedVersion ?? ""), wide: true },
      ]);
    });

  program
    .command("scans")
    .description("scan findings")
    .command("get")
    .description("a scan job with its findings")
    .argument("<id>", "the scan job's id")
    .addOption(outputOption())
    .action(async (id: string, flags: { output: OutputFormat }) => {
      const scan = await (await rt.client()).get<R>(`/v1/scans/${encodeURIComponent(id)}`);
      if (printStructured(rt, flags.output, scan)) return;
      printTable(rt, flags.output, (scan.findings ?? []) as R[], [
        { header: "id", value: (f) => f.id },
        { header: "severity", value: (f) => f.severity },
        { header: "package", value: (f) => f.package },
        { header: "installed", value: (f) => f.installedVersion },
        { header: "fixed", value: (f) => f.fixedVersion },
        { header: "aliases", value: (f) => f.aliases, wide: true },
      ]);
    });
}

function section(rt: Runtime, title: string, format: OutputFormat, rows: R[], columns: Parameters<typeof printTable<R>>[3]): void {
  if (rows.length === 0) return;
  rt.out();
  rt.out(rt.colours.bold(`${title}:`));
  printTable(rt, format, rows, columns);
}
