// The webhook formats, in one explicit list (a test checks every format file is in it), and
// the registry kind → format table. A kind's format is fixed: regops never guesses the sender
// from the body, so a delivery of another shape is a 400, not a misread.
import type { REGISTRY_KINDS } from "../../registry/schema.js";
import { acr } from "./acr.js";
import { distribution } from "./distribution.js";
import { dockerhub } from "./dockerhub.js";
import { ecr } from "./ecr.js";
import { gar } from "./gar.js";
import { github } from "./github.js";
import { harbor } from "./harbor.js";
import { jfrog } from "./jfrog.js";
import { nexus } from "./nexus.js";
import { quay } from "./quay.js";
import type { WebhookFormat } from "./types.js";

export type { WebhookEvent, WebhookFormat, WebhookRequest } from "./types.js";
export { WebhookFormatError } from "./error.js";

export const WEBHOOK_FORMATS: readonly WebhookFormat[] = [dockerhub, harbor, distribution, quay, github, acr, ecr, gar, jfrog, nexus];

// Typed by the config's kinds, so a new kind does not compile until it has a format.
const FORMAT_OF_KIND: Record<(typeof REGISTRY_KINDS)[number], WebhookFormat> = {
  dockerhub,
  harbor,
  distribution,
  gitlab: distribution, // GitLab's registry sends distribution notifications
  quay,
  ghcr: github,
  acr,
  ecr,
  gar,
  jfrog,
  nexus,
  generic: distribution, // any registry built on CNCF distribution
};

export function formatFor(kind: string): WebhookFormat {
  if (!Object.hasOwn(FORMAT_OF_KIND, kind)) throw new Error(`no webhook format for registry kind "${kind}"`);
  return FORMAT_OF_KIND[kind as keyof typeof FORMAT_OF_KIND];
}
