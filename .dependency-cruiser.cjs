/**
 * The house rules `npm test` enforces (npm run lint:deps): no import cycles,
 * folders that depend one way (LAYERS), and no module reaching into another
 * module's schemas or repositories: a module's collections are its own, other
 * modules ask its services (or a port). Specs are cruised for the test rules
 * only: src/ never imports test/, and the helpers the specs share (testing/
 * folders under src/) are never loaded by the service.
 */
const SPEC = '[.]spec[.]ts$';

/**
 * The folders under src/, lowest first: a folder imports only folders before
 * it, so no two folders import each other, directly or around a loop. The
 * files at the top of src/ (the app module, main) and the CLI come last.
 * Where a lower folder needs a higher one's help it declares a port the higher
 * one binds (ownership's LiveUsers, datasets' DatasetPurgeCleanup).
 */
const LAYERS = [
  'types',
  'config',
  'metrics',
  'telemetry',
  'common',
  'events',
  'access',
  'ownership',
  'archive',
  'datasets',
  'records',
  'users',
  'tokens',
  'auth',
  'audit',
  'health',
  'ui',
];

const layerRules = LAYERS.map((folder, rank) => ({
  name: `layers-${folder}`,
  severity: 'error',
  comment: `Folders depend one way (LAYERS): ${folder} may import only ${LAYERS.slice(0, rank).join(', ') || 'no other folder'}.`,
  from: { path: `^src/${folder}/`, pathNot: [SPEC, '/testing/'] },
  to: { path: `^src/(${[...LAYERS.slice(rank + 1), 'cli', '[^/]+[.]ts$'].join('|')})` },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle means two modules cannot be understood, tested or changed one at a time.',
      from: { path: '^src/', pathNot: SPEC },
      to: { circular: true },
    },
    {
      name: 'no-foreign-schemas',
      severity: 'error',
      comment: "Each collection has one owner: only its module's repository touches its schema.",
      from: { path: '^src/([^/]+)/', pathNot: SPEC },
      to: { path: '^src/[^/]+/schemas/', pathNot: '^src/$1/' },
    },
    {
      name: 'no-foreign-repositories',
      severity: 'error',
      comment: "A module's repository is its own; other modules go through its service or a port.",
      from: { path: '^src/([^/]+)/', pathNot: SPEC },
      to: { path: '^src/[^/]+/.*[.]repository[.]ts$', pathNot: '^src/$1/' },
    },
    {
      name: 'one-event-factory',
      severity: 'error',
      comment: 'Events are built by the Outbox (recordChange, docs/outbox.md): services describe a change, they never build its event.',
      from: { path: '^src/', pathNot: [SPEC, '^src/events/'] },
      to: { path: '^src/events/outbox/event-factory[.]ts$' },
    },
    {
      name: 'no-test-from-src',
      severity: 'error',
      comment: 'src/ stands on its own: what its specs share lives under src/ (a testing/ folder); test/ may import it, never the reverse.',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
    {
      name: 'testing-helpers-for-specs-only',
      severity: 'error',
      comment:
        'Test helpers (testing/ folders under src/) serve specs and each other; the service never loads them (the build leaves them out).',
      from: { path: '^src/', pathNot: [SPEC, '/testing/'] },
      to: { path: ['^src/testing/', '^src/[^/]+/testing/', '^src/[^/]+/[^/]+/testing/'] },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment:
        'Resolved like TypeScript here (main fields, no `exports`); parquet-wasm has no root `main` and is found, by Node and jest, through its `exports` only.',
      from: { pathNot: SPEC },
      to: { couldNotResolve: true, pathNot: '^parquet-wasm$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
