// npm run notation:test-cert -- [--name dev] [--key rsa|ec] [--days 365] [--out data/dev/notation] [--force]
// Makes a test CA and a code-signing certificate (as `notation cert generate-test` does), and
// prints the `signing.notation` config that uses them. For development only: the CA key is not kept.
import { parseArgs } from "node:util";
import { writeTestCertificateFiles } from "../src/sign/notation/test-certificate-files.js";

const { values } = parseArgs({
  options: {
    name: { type: "string", default: "regops-dev" },
    key: { type: "string", default: "rsa" },
    days: { type: "string", default: "365" },
    out: { type: "string", default: "data/dev/notation" },
    force: { type: "boolean", default: false },
  },
});
if (values.key !== "rsa" && values.key !== "ec") {
  console.error("--key must be rsa (RSA 3072) or ec (P-384)");
  process.exit(2);
}
const days = Number(values.days);
if (!Number.isInteger(days) || days < 1 || days > 3650) {
  console.error("--days must be an integer from 1 to 3650");
  process.exit(2);
}
try {
  const files = await writeTestCertificateFiles(values.out, { name: values.name, keyType: values.key, days, overwrite: values.force });
  console.log(`test CA and signing certificate written to ${values.out}
signing:
  default: notation
  notation:
    key: ${files.key}
    certificateChain: ${files.certificateChain}
    trustPolicy: ${files.trustPolicy}
    trustStores: { "${files.trustStore}": [${files.caCertificate}] }
# Notation's layout of the same trust store: ${files.trustStoreDir}`);
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  console.error(err.code === "EEXIST" ? `${err.path} exists; pass --force to replace it` : err.message);
  process.exit(1);
}
