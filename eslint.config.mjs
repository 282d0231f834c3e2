import nx from '@nx/eslint-plugin';

/** Who may import whom in production code. Tags keep the agent node free of control-plane code: it ships to customer hosts. */
const PRODUCTION_CONSTRAINTS = [
  { sourceTag: 'scope:agent-node', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:web', onlyDependOnLibsWithTags: ['scope:shared', 'scope:web'] },
  { sourceTag: 'scope:sandbox', onlyDependOnLibsWithTags: ['scope:shared', 'scope:sandbox'] },
  { sourceTag: 'scope:control-plane', onlyDependOnLibsWithTags: ['scope:shared', 'scope:control-plane'] },
];

export default [
  { ignores: ['**/node_modules', '**/dist', '**/coverage', '**/tmp', 'apps/web/src/api/schema.d.ts'] },
  // No `eslint-disable` comments: an exception is a file-pattern override in this file, reviewed here.
  { linterOptions: { noInlineConfig: true } },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allow: [], depConstraints: PRODUCTION_CONSTRAINTS },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // Tests, their harnesses and benchmarks start what they exercise in-process: the sandbox
    // (every test), the control plane (the web journeys), the real worker and agent node (the
    // API's end-to-end specs), the API's test harnesses (the web journeys). Nothing here ships.
    files: ['**/*.spec.ts', '**/test/**/*.ts', '**/testing/**/*.ts', '**/e2e/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          // Apps have no public entry point; tests reach these by path.
          allow: ['^(\\.\\./)+worker/src/', '^(\\.\\./)+agent-node/src/', '^(\\.\\./)+api/test/'],
          depConstraints: [
            { sourceTag: 'scope:agent-node', onlyDependOnLibsWithTags: ['scope:shared', 'scope:sandbox'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared', 'scope:sandbox'] },
            { sourceTag: 'scope:sandbox', onlyDependOnLibsWithTags: ['scope:shared', 'scope:sandbox'] },
            {
              sourceTag: 'scope:web',
              onlyDependOnLibsWithTags: ['scope:shared', 'scope:web', 'scope:sandbox', 'scope:control-plane'],
            },
            {
              sourceTag: 'scope:control-plane',
              onlyDependOnLibsWithTags: ['scope:shared', 'scope:control-plane', 'scope:sandbox'],
            },
          ],
        },
      ],
    },
  },
  {
    // Build scripts run another project's code as a tool, in their own process: the web app's
    // OpenAPI export reads the API's controllers; the bundle builder's app build runs the agent
    // node's bundle recipe. Only those entry points; otherwise production rules.
    files: ['**/scripts/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: ['^(\\.\\./)+api/src/(app\\.module|openapi)$', '^(\\.\\./)+agent-node/build/bundle$'],
          depConstraints: PRODUCTION_CONSTRAINTS,
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'bench/**/*.ts', 'scripts/**/*.ts', '**/cli/**/*.ts', '**/testing/**/*.ts'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
