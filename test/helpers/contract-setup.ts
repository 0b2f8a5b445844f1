// vitest setup file (vitest.config.ts): a test during which the service under test gave an
// answer that openapi.yaml does not describe fails, with each difference named; so does a
// file whose beforeAll/afterAll saw one. See contract-fetch.ts.
import { afterAll, afterEach } from "vitest";
import { takeViolations } from "./contract-fetch.js";

async function failOnViolations(): Promise<void> {
  const seen = await takeViolations();
  if (seen.length > 0) {
    throw new Error(`answers that openapi.yaml does not describe (REGOPS_CONTRACT=off to skip this check):\n- ${seen.join("\n- ")}`);
  }
}

afterEach(failOnViolations);
afterAll(failOnViolations);
