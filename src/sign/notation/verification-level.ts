// What each verification level does with each validation (trust-store-trust-policy.md, "Signature
// Verification details"), and the `override` map that customises it.
import type { ValidationType } from "./failure.js";

export type VerificationLevelName = "strict" | "permissive" | "audit" | "skip";
export type ValidationAction = "enforce" | "log" | "skip";
export type Enforcement = Record<ValidationType, ValidationAction>;

export const LEVELS: Record<VerificationLevelName, Enforcement> = {
  strict: { integrity: "enforce", authenticity: "enforce", authenticTimestamp: "enforce", expiry: "enforce", revocation: "enforce" },
  permissive: { integrity: "enforce", authenticity: "enforce", authenticTimestamp: "log", expiry: "log", revocation: "log" },
  audit: { integrity: "enforce", authenticity: "log", authenticTimestamp: "log", expiry: "log", revocation: "log" },
  skip: { integrity: "skip", authenticity: "skip", authenticTimestamp: "skip", expiry: "skip", revocation: "skip" },
};

/** Validations `override` may name (integrity never can), with the actions each accepts. */
export const OVERRIDABLE: Partial<Record<ValidationType, readonly ValidationAction[]>> = {
  authenticity: ["enforce", "log"],
  authenticTimestamp: ["enforce", "log"],
  expiry: ["enforce", "log"],
  revocation: ["enforce", "log", "skip"],
};

export function enforcementOf(level: VerificationLevelName, override: Partial<Record<ValidationType, ValidationAction>> = {}): Enforcement {
  return { ...LEVELS[level], ...override };
}
