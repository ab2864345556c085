/**
 * The store fault tests (npm run test:faults): Redis and PostgreSQL fail and come back under a
 * sign-in load against the built server process; about a minute, so apart from `npm test`.
 * @jest-config-loader-options {"transpileOnly": true}
 */
import type { Config } from 'jest';
import base from './jest.config';

const config: Config = {
  ...base,
  roots: ['<rootDir>/apps/api/test/faults'],
  testMatch: ['<rootDir>/apps/api/test/faults/**/*.faults.ts'],
  testTimeout: 300_000,
};

export default config;
