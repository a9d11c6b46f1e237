/**
 * Unit specs sit beside the code (src/**\/*.spec.ts); HTTP end-to-end specs live in test/.
 * ts-jest transpiles without type-checking for speed: `npm run lint` type-checks everything.
 */
const common = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testEnvironment: 'node',
};

module.exports = {
  testTimeout: 60_000,
  // Sums up which documented responses the e2e specs checked (test/support/openapi-contract.ts).
  reporters: ['default', '<rootDir>/test/support/openapi-coverage-reporter.js'],
  projects: [
    { ...common, displayName: 'unit', rootDir: 'src', testRegex: '.*\\.spec\\.ts$' },
    {
      ...common,
      displayName: 'e2e',
      rootDir: '.',
      roots: ['<rootDir>/test'],
      testRegex: '.*\\.e2e-spec\\.ts$',
      // A real S3 server (Ceph radosgw) for the S3 driver's e2e tests, started once when any e2e
      // test runs; the run fails if it cannot start.
      globalSetup: '<rootDir>/test/support/s3-global-setup.js',
      globalTeardown: '<rootDir>/test/support/s3-global-teardown.js',
    },
  ],
};
