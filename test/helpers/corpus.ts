// Upstream test data (registry webhook payloads, version vectors, Trivy and OSV data, the Harbor
// scanner-adapter spec) belongs to the projects that publish it: it is read in place from the
// team corpus and never copied into this repository (test/unit/corpus-copies.test.ts checks).
// REGOPS_CORPUS_DIR names the corpus (a relative path is taken from the repository root);
// the default is ../shared/corpus beside the clone, where CI has it. In a bare clone the tests
// on it are skipped (`describe.skipIf(!corpus)`) and corpus-setup.ts says so in one line; under
// CI=true an absent corpus throws here, so CI cannot go green without its data.
import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const CORPUS_VAR = "REGOPS_CORPUS_DIR";
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Where the corpus should be: $REGOPS_CORPUS_DIR, else ../shared/corpus from the repository root. */
export function corpusLocation(): string {
  return resolve(REPO_ROOT, process.env[CORPUS_VAR] || "../shared/corpus");
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function onCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== "" && ci !== "false" && ci !== "0";
}

/** The one line a run without the corpus prints. */
export function absentCorpusLine(): string {
  return `${CORPUS_VAR}: no corpus at ${corpusLocation()}; tests on upstream data (webhook payloads, version vectors, Trivy/OSV data, Harbor scanner spec, Notation and Sigstore signatures) are skipped`;
}

function findCorpus(): string | undefined {
  const dir = corpusLocation();
  if (isDirectory(dir)) return dir;
  if (onCi()) throw new Error(`${CORPUS_VAR}: no corpus at ${dir}, and CI=true requires it: set ${CORPUS_VAR} to the shared corpus`);
  return undefined;
}

/** The corpus directory, or undefined in a bare clone (guard its tests with `describe.skipIf(!corpus)`). */
export const corpus: string | undefined = findCorpus();

/** A path inside the corpus, e.g. corpusPath("webhooks", "harbor-push_artifact-1.json"). */
export function corpusPath(...parts: string[]): string {
  if (!corpus) throw new Error(absentCorpusLine());
  return join(corpus, ...parts);
}
