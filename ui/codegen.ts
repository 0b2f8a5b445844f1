// Types for the console's GraphQL documents, from the SDL the service serves: a schema change
// that breaks a document fails `npm run typecheck` (codegen validates every document).
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "schema/regops.graphql",
  documents: ["ui/src/**/*.tsx", "ui/src/**/*.ts", "!ui/src/gql/**"],
  generates: {
    "ui/src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: { enumsAsTypes: true, useTypeImports: true, scalars: { JSON: "unknown" } },
    },
  },
  silent: true,
};
export default config;
