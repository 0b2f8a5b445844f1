// Scanner adapters: each turns one scanner's output into the common ScanReport.
export * from "./types.js";
export { ScanAdapterError, type ScanAdapterReason } from "./errors.js";
export { HarborAdapterClient, type HarborAdapterOptions, type HarborScanRequest, type ScanCallOptions, type ReportPoll } from "./harbor.js";
export { MEDIA as HARBOR_MEDIA, OCI_MANIFEST, DOCKER_MANIFEST, type ScannerAdapterMetadata } from "./harbor-schema.js";
export { registryAuthorization } from "./registry-authorization.js";
export { parseTrivyReport, type TrivyReport } from "./trivy-report.js";
export { harborReportFromTrivy } from "./trivy-harbor.js";
export { TrivyScanner, trivyImageArgs, trivyEnv, type TrivyOptions, type TrivyRunner, type TrivyRegistryAuth } from "./trivy.js";
