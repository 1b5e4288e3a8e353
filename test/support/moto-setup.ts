import { useMoto } from './moto';

// Every test file of the conformance run talks to one moto of its own (see jest.moto.config.js).
process.env.ROTATOR_TEST_AWS = 'moto';
useMoto();
