/**
 * The load and soak tests (npm run test:load): minutes long, so apart from `npm test`.
 * @jest-config-loader-options {"transpileOnly": true}
 */
import type { Config } from 'jest';
import base from './jest.config';

const config: Config = {
  ...base,
  roots: ['<rootDir>/apps/api/test/load'],
  testMatch: ['<rootDir>/apps/api/test/load/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 600_000,
};

export default config;
