/**
 * The one declaration of how redfix's folders may import each other (run by `npm run lint`).
 * The stages follow the pipeline, lowest first; a folder imports only folders below it, and no file
 * takes part in an import cycle.
 */
const LAYERS = [
  "core", // the shared base: findings contract, source text, edits, patches, processes, paths, package
  "harness", // the harness model (per-language adapters)
  "load", // the workspace model
  "analyzers", // rules: facts → problems
  "codemods", // fixes: problems → edits
  "reports", // text, JSON, SARIF, HTML; the run directory
  "pipeline", // the rule registry and analyze: load → check → fix → series → write
  "swarm", // a throwaway Docker Swarm, stacks deployed on it, stand-in images
  "verify", // redfix verify
  "apply", // redfix apply
  "cli", // argument parsing and printing
  "bench",
];

const forbidden = LAYERS.map((layer, i) => ({
  name: `${layer}-imports-only-below`,
  comment: `${layer}/ may import only ${LAYERS.slice(0, i).join(", ") || "nothing of the project"}`,
  severity: "error",
  from: { path: `^${layer}/` },
  to: { path: `^(${LAYERS.slice(i + 1).join("|") || "(?!)"})/` },
}));

forbidden.push({
  name: "no-cycle",
  comment: "no file imports itself through others",
  severity: "error",
  from: { path: `^(${LAYERS.join("|")})/` },
  to: { circular: true },
});

forbidden.push({
  name: "tests-stay-in-test",
  comment: "production code never imports tests",
  severity: "error",
  from: { path: `^(${LAYERS.join("|")})/` },
  to: { path: "^test/" },
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(dist|node_modules|examples|test/fixtures)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
