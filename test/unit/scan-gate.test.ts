import { describe, expect, it } from "vitest";
import { countBySeverity, passesGate } from "../../src/scan/job/gate.js";

const findings = [{ severity: "High" }, { severity: "Low" }, { severity: "Low" }];

describe("scan gate", () => {
  it("when findings are counted, then every severity is listed, zero when none", () => {
    expect(countBySeverity(findings)).toEqual({ Critical: 0, High: 1, Medium: 0, Low: 2, Negligible: 0, Unknown: 0 });
  });

  it("when failOn names a severity, then a finding of that severity or worse fails the gate, a milder one does not", () => {
    expect(passesGate(findings, undefined)).toBe(true);
    expect(passesGate(findings, "CRITICAL")).toBe(true);
    expect(passesGate(findings, "HIGH")).toBe(false);
    expect(passesGate(findings, "LOW")).toBe(false);
    expect(passesGate([{ severity: "Unknown" }], "LOW")).toBe(true);
  });
});
