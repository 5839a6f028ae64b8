// Architecture rules as code (run by `npm run lint:deps`, and by CI through `npm test`'s pretest).
//
// The source is a building: each folder lives on a floor and imports only from floors below it
// (and from itself). Data flows one way — scenario → plan → load → client → failover → record →
// summary → reports → terminal — so an import that points up the building is a design error,
// not a style nit: it is how cycles and "the scenario depends on the runner" creep back in.
// docs/architecture.md explains the floors and follows one request through them.
//
// A rule is generated for every upward pair (e.g. `no-upward-metrics-to-analysis`), so a failing
// check names exactly which arrow was drawn the wrong way.

/** FLOORS: folder → floor. Folders on one floor may not import each other either. */
const FLOORS = {
  scenario: 0, // the ground floor everything reads: schema, validation, names it validates against
  random: 1, // seeded draws and distributions (pure math)
  metrics: 2, // the record, clock, histograms, recorder, per-group summary, generator health
  workload: 2, // messages and prompts, tokenizer, datasets, traces
  client: 3, // undici transport, SSE decoder, protocol adapters
  load: 3, // schedulers: when to send
  mock: 3, // the embedded server
  cost: 3, // prices and money
  analysis: 3, // threshold evaluation, decision table, sweep verdicts
  output: 3, // live outputs of a run (start, add results, stop): requests.csv, progress, live metrics
  failover: 4, // wraps the client: chain, retry budget, breaker
  summary: 5, // assembles summary.json from the recorder, analyses and cost
  runner: 6, // plan, traffic strategies, conversations, sweeps: runs a scenario
  report: 6, // one file per output format, each a function of the run summary
  cli: 7, // argv, terminal, exit codes: the only place with side effects on the process
};

const folders = Object.keys(FLOORS);
const upward = [];
for (const from of folders) {
  for (const to of folders) {
    if (from === to || FLOORS[to] < FLOORS[from]) continue;
    const same = FLOORS[to] === FLOORS[from];
    upward.push({
      name: `no-upward-${from}-to-${to}`,
      severity: 'error',
      comment: same
        ? `${from}/ and ${to}/ share floor ${FLOORS[from]}: neither may import the other; move the shared piece down a floor`
        : `${from}/ (floor ${FLOORS[from]}) may not import ${to}/ (floor ${FLOORS[to]}): a folder builds only on the floors below it; move what ${from}/ needs from ${to}/ down to floor ${FLOORS[from]} or lower, or move the importing code up`,
      from: { path: `^src/${from}/` },
      to: { path: `^src/${to}/` },
    });
  }
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'an import cycle means two modules are one concept split in two, or a type lives on the wrong floor',
      from: {},
      to: { circular: true },
    },
    ...upward,
    {
      name: 'scenario-is-the-ground-floor',
      severity: 'error',
      comment: 'scenario/ reads no other part of src: everything reads the scenario, never the other way',
      from: { path: '^src/scenario/' },
      to: { path: '^src/', pathNot: '^src/scenario/' },
    },
    {
      name: 'version-is-a-leaf',
      severity: 'error',
      comment: 'src/version.ts (the tool name and version) imports nothing from src',
      from: { path: '^src/version\\.ts$' },
      to: { path: '^src/' },
    },
    {
      name: 'nothing-imports-the-cli',
      severity: 'error',
      comment: 'cli/ is the top floor: the library (src/index.ts) and every other folder work without it',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'no-dev-dependencies-in-src',
      severity: 'error',
      comment: 'src/ ships to users; a devDependency (an SDK used in tests, a bench tool) is not installed for them',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'] },
    },
    {
      name: 'no-unresolvable-imports',
      severity: 'error',
      comment: 'an import that resolves to nothing fails at run time',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // swc parses TypeScript (TypeScript 7's native compiler has no JS API for dependency-cruiser);
    // tsPreCompilationDeps keeps `import type` arrows, which count: a type on the wrong floor is
    // the first step of a cycle.
    parser: 'swc',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    // Resolve package subpaths (csv-stringify/sync, gpt-tokenizer/encoding/…) through their exports maps, as Node does.
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], mainFields: ['module', 'main', 'types'] },
    exclude: { path: '^(dist|test|bench)/' },
  },
};
