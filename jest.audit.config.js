/** The secret audit, run after the main suite (see npm test): it reads what every test file recorded. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/audit'],
  testMatch: ['**/*.audit.ts'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
};
