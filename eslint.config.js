import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["dist/**", "node_modules/**", "examples/**", "test/fixtures/**", "docs/**", "coverage/**"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": "off",
    },
  },
  {
    // A rule is known by its id only in its own two files (analyzers/<ID>-*.ts, codemods/<ID>-*.ts);
    // everything else reads rules from the registry.
    files: ["**/*.ts"],
    ignores: ["analyzers/**", "codemods/**", "test/**"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "Literal[value=/^R(F)?\\d{3}$/]",
          message: "a rule id belongs in analyzers/ or codemods/; read rules from pipeline/registry.ts",
        },
        {
          selector: "TemplateElement[value.raw=/^R(F)?\\d{3}$/]",
          message: "a rule id belongs in analyzers/ or codemods/; read rules from pipeline/registry.ts",
        },
      ],
    },
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { module: "writable" } },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
);
