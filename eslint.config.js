// Flat config: the recommended JS and type-aware TypeScript rules, nothing exotic.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // scripts/lib/ryuk.js is the recipe's CommonJS Ryuk stand-in, copied as it is.
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "data/**", "scripts/lib/ryuk.js"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": ["error", { allow: ["error", "warn"] }],
    },
  },
  { languageOptions: { globals: globals.node } },
  { files: ["scripts/**", "bench/**"], rules: { "no-console": "off" } },
  // Tests assert on JSON bodies; typing every response shape there buys nothing.
  { files: ["test/**"], rules: { "@typescript-eslint/no-explicit-any": "off" } },
);
