const base = require('./jest.config');

/**
 * The conformance run: the scenarios that touch AWS, run again with moto (an AWS implementation we did not
 * write) holding the AWS state behind the sandbox's AWS endpoint. Needs `moto_server` on PATH.
 */
/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: [
    '<rootDir>/test/integration/**/*.test.ts',
    '<rootDir>/test/reliability/concurrency.test.ts',
    '<rootDir>/test/reliability/deadlines.test.ts',
    '<rootDir>/test/reliability/fault-matrix.test.ts',
  ],
  setupFilesAfterEnv: ['<rootDir>/test/support/moto-setup.ts'],
  // moto answers in milliseconds, not microseconds: the concurrency and fault scenarios need longer.
  testTimeout: 60000,
};
