// vitest setup file (vitest.config.ts): a test during which the service under test gave an
// answer that openapi.yaml does not describe fails, with each difference named; so does a
// file whose beforeAll/afterAll saw one. See contract-fetch.ts.
import { afterAll, afterEach } from "vitest";
import { takeViolations } from "./contract-fetch.js";

// A fuzzer may find the same difference a thousand times.
const MAX_LISTED = 40;

async function failOnViolations(): Promise<void> {
  const seen = [...new Set(await takeViolations())];
  if (seen.length > 0) {
    const more = seen.length > MAX_LISTED ? `\n… and ${seen.length - MAX_LISTED} more` : "";
    throw new Error(`answers that openapi.yaml does not describe (REGOPS_CONTRACT=off to skip this check):\n- ${seen.slice(0, MAX_LISTED).join("\n- ")}${more}`);
  }
}

afterEach(failOnViolations);
afterAll(failOnViolations);
