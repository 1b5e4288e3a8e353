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
    // The sandbox's SQS rules, held to moto's SQS.
    '<rootDir>/test/sandbox/aws-sqs.test.ts',
    // What a rotation function meets when RotateSecret invokes it, held to moto's RotateSecret.
    '<rootDir>/test/sandbox/aws-secrets-manager-rotation.test.ts',
    // moto's departures from the API reference that the exclusion below rests on, pinned.
    '<rootDir>/test/conformance/*.moto.ts',
  ],
  // The call budget counts calls that moto answers wrongly: after a promotion by UpdateSecretVersionStage,
  // its BatchGetSecretValue (like GetSecretValue without a stage) returns the version that was current before,
  // so the product's bulk read finds no settled AWSCURRENT and each token reads its own secret (correct, not
  // cheaper). The budget holds on the sandbox, which follows the API reference there;
  // test/conformance/moto-deviations.moto.ts fails the day moto follows it too.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/integration/call-budget.test.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/support/moto-setup.ts'],
  // moto answers in milliseconds, not microseconds, and a busy two-core machine has been seen to take over a
  // minute for one fault case that takes a second alone: the bound is for a hung run, not a slow one.
  testTimeout: 180000,
};
