// The rooms of src/ and which way imports may go (ARCHITECTURE.md draws them). Checked in
// `npm run lint`: a circle, or an import that goes up or across, fails it.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: "no-circle", severity: "error", from: {}, to: { circular: true } },
    {
      name: "emulator-stands-alone",
      comment:
        "The emulator is a witness for the core's tests: a mistake in the core must not be mirrored by it.",
      severity: "error",
      from: { path: "^src/emulator/" },
      to: { path: "^src/(core|platforms)/" },
    },
    {
      name: "core-knows-no-platform",
      severity: "error",
      from: { path: "^src/core/" },
      to: {
        path: "^src/(platforms|emulator)/|node_modules/(@actions/core|azure-pipelines-task-lib)/",
      },
    },
    {
      name: "inputs-import-nothing-above",
      comment: "inputs/ parses and checks; it reaches no server and reports nothing.",
      severity: "error",
      from: { path: "^src/core/inputs/" },
      to: { path: "^src/core/(vault|modes|report)/|^src/core/run\\.ts$" },
    },
    {
      name: "vault-imports-no-mode-or-report",
      severity: "error",
      from: { path: "^src/core/vault/" },
      to: { path: "^src/core/(modes|report)/|^src/core/run\\.ts$" },
    },
    {
      name: "providers-import-no-mode-or-report",
      comment:
        "providers/ reaches the rotation providers' services (ARM, Graph, a blob endpoint), as vault/ reaches the vault.",
      severity: "error",
      from: { path: "^src/core/providers/" },
      to: { path: "^src/core/(modes|report)/|^src/core/run\\.ts$" },
    },
    {
      name: "vault-imports-no-provider",
      severity: "error",
      from: { path: "^src/core/(vault|inputs|report)/" },
      to: { path: "^src/core/providers/" },
    },
    {
      name: "report-imports-no-mode-vault-or-inputs",
      severity: "error",
      from: { path: "^src/core/report/" },
      to: { path: "^src/core/(modes|vault|inputs)/|^src/core/run\\.ts$" },
    },
    {
      name: "modes-import-no-other-mode",
      comment: "What two modes share lives in modes/ itself (job.ts, soft-delete.ts) or below.",
      severity: "error",
      from: { path: "^src/core/modes/([^/]+)/" },
      to: { path: "^src/core/modes/([^/]+)/", pathNot: "^src/core/modes/$1/" },
    },
    {
      name: "only-the-table-knows-every-mode",
      severity: "error",
      from: { path: "^src/core/", pathNot: "^src/core/modes/" },
      to: { path: "^src/core/modes/[^/]+/" },
    },
    {
      name: "core-leaves-import-nothing-of-the-core",
      comment: "platform.ts and errors.ts are what every room may import.",
      severity: "error",
      from: { path: "^src/core/(platform|errors)\\.ts$" },
      to: { path: "^src/core/", pathNot: "^src/core/(platform|errors)\\.ts$" },
    },
    {
      name: "platforms-do-not-import-each-other",
      severity: "error",
      from: { path: "^src/platforms/([^/]+)/" },
      to: {
        path: "^src/platforms/([^/]+)/",
        pathNot: "^src/platforms/$1/|^src/platforms/[^/]+\\.ts$",
      },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js", ".mjs", ".cjs"] },
  },
};
