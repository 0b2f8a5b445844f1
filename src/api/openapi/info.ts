// The document's own fields: info, servers, tags. Every tag an operation uses is defined here
// (a lint test fails on an operation whose tag is not).

export const OPENAPI_INFO = {
  title: "regops",
  version: "1.0.0",
  description:
    "Keeps container images fresh across registries and Docker hosts. Every change is a job: submit it with POST /v1/jobs, follow it with GET /v1/jobs/{id} or its SSE events. Errors are RFC 9457 problem+json.",
  // regops is not published under an open-source licence (package.json: private); an SPDX
  // LicenseRef- names a licence that is not on the SPDX list.
  license: { name: "Proprietary: internal use only", identifier: "LicenseRef-Proprietary" },
};

/** Relative: the service answers wherever it is deployed, at the origin that served this document. */
export const OPENAPI_SERVERS = [{ url: "/", description: "The regops service that serves this document" }];

export const OPENAPI_TAGS = [
  { name: "jobs", description: "Every change is a job: submit, list, read, cancel, follow" },
  { name: "images", description: "What regops knows of an image" },
  { name: "scans", description: "Vulnerability scans and the scanner's database" },
  { name: "registries", description: "The registries regops talks to" },
  { name: "watches", description: "Repositories watched for new tags" },
  { name: "schedules", description: "Jobs submitted on a timetable" },
  { name: "notifications", description: "Outgoing notifications and their deliveries" },
  { name: "webhooks", description: "Registry webhooks received" },
  { name: "notary", description: "Docker Content Trust: signing keys, delegations, rotations" },
  { name: "hosts", description: "The Docker hosts regops pulls onto" },
  { name: "auth", description: "Who an API key is and what it may do" },
  { name: "health", description: "Liveness, readiness and metrics, for orchestrators and Prometheus" },
  { name: "graphql", description: "The same API as GraphQL (queries, mutations; subscriptions over WebSocket)" },
];
