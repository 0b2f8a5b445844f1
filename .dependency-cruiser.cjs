// The import graph's rules, checked by `npm run lint` (dependency-cruiser). The flow is
// door (src/api, src/webhooks' route) → JobService → queue → worker (workers/) → capability
// modules (src/<operation>, src/registry, src/docker, ...) → store. Arrows point down only:
// a capability module that imported a door, a queue or a worker could no longer be used
// (or tested) without the whole service around it.
/** Where the service is assembled: the only modules that may import every layer. */
const COMPOSITION_ROOT = "^src/(main|service)[.]ts$|^src/service/";

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "An import cycle makes module load order matter and the two modules one unit.",
      from: { path: "^(src|workers)/" },
      to: { circular: true },
    },
    {
      name: "core-not-to-doors",
      severity: "error",
      comment: "Capability modules never import the API doors (src/api): doors call down, not up.",
      // config.ts composes every module's schema, the doors' limits included.
      from: { path: "^src/", pathNot: ["^src/api/", "^src/config[.]ts$", COMPOSITION_ROOT] },
      to: { path: "^src/api/" },
    },
    {
      name: "core-not-to-queues",
      severity: "error",
      comment: "Capability modules never touch the job queues (src/jobs/queues.ts): doors queue work, workers take it.",
      from: { path: "^src/", pathNot: ["^src/api/", "^src/jobs/", COMPOSITION_ROOT] },
      to: { path: "^src/jobs/queues[.]ts$" },
    },
    {
      name: "core-not-to-workers",
      severity: "error",
      comment: "workers/ are thin adapters over src/; nothing in src/ but the composition root starts them.",
      from: { path: "^src/", pathNot: COMPOSITION_ROOT },
      to: { path: "^workers/" },
    },
    {
      name: "doors-not-to-each-other",
      severity: "error",
      comment: "REST and GraphQL are two doors onto the same services: what both need lives below them.",
      from: { path: "^src/api/(rest|graphql)/" },
      to: { path: "^src/api/(rest|graphql)/", pathNot: "^src/api/$1/" },
    },
    {
      name: "workers-not-to-doors",
      severity: "error",
      comment: "A worker runs a job; it never reaches into the HTTP or GraphQL layer.",
      from: { path: "^workers/" },
      to: { path: "^src/api/" },
    },
    {
      name: "cli-only-through-rest",
      severity: "error",
      comment:
        "The CLI is a client of the REST API: it never loads the doors, the queues, the workers or the store, so it cannot do what the API would refuse, and it starts without Redis, BullMQ or dockerode.",
      from: { path: "^src/cli/" },
      to: { path: ["^src/api/", "^src/jobs/queues[.]ts$", "^workers/", "^src/store/"] },
    },
    {
      name: "cli-imports-only-cli",
      severity: "error",
      comment: "Everything the CLI needs is in src/cli (and npm packages); service modules would pull Redis, BullMQ or dockerode into a command-line tool.",
      from: { path: "^src/cli/" },
      to: { path: "^(src|workers)/", pathNot: "^src/cli/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
