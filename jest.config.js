// One Jest run for the whole repository, so CI gets one JSON result to count.
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`]),
);

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
  moduleNameMapper,
  // apps/web: browser journeys (e2e/*.e2e.spec.ts) and component specs (*.spec.tsx, jsdom by docblock).
  testMatch: [
    '<rootDir>/{apps,libs,provisioning,agent-node,test}/**/*.spec.ts',
    '<rootDir>/apps/web/src/**/*.spec.tsx',
  ],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // jose ships ESM only; Jest's module system needs it compiled like our own sources.
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
  testTimeout: 60_000,
};
