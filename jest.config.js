/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // The SDK keeps module-level state across files; jest's soft global cleanup only warns about it.
  testEnvironmentOptions: { globalsCleanup: 'off' },
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // middy ships ESM only; let swc compile it to CommonJS alongside our sources.
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
  transformIgnorePatterns: ['/node_modules/(?!(@middy)/)'],
  setupFiles: ['<rootDir>/test/support/setup-env.ts'],
  // Each test file records secrets and texts for the secret audit (test/audit), which runs after the suite.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  testTimeout: 20000,
};
