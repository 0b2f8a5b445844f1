export { OsvStore, type OsvMatch, type OsvStoreOptions } from "./store.js";
export { osvRecordSchema, parseOsvRecord, cveIds, type OsvRecord, type OsvAffected, type OsvRange } from "./record.js";
export { ecosystemCovers, normaliseName, parseEcosystem } from "./ecosystem.js";
export { evaluateAffected, evaluateRange, type Compare, type Verdict } from "./range.js";
export { band, severityOf, scoreVector, type CvssScore, type SeverityVerdict } from "./severity.js";
export { trivyFixtureToOsv } from "./trivy-fixture.js";
