/**
 * One Jest run over every workspace's tests: unit tests beside their code (src/**\/X.test.ts) and
 * the suites under each workspace's test/ (integration, adversarial, deployment, browser). The
 * load and fault suites have configs of their own (jest.load.config.ts, jest.faults.config.ts).
 * @jest-config-loader-options {"transpileOnly": true}
 */
import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/apps'],
  testMatch: ['**/src/**/*.test.ts', '**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/test/load/'],
  // Workspace packages resolve to their TypeScript source, so tests never run stale builds.
  moduleNameMapper: {
    '^@wallet-login/(challenge|client|contract|testkit)$': '<rootDir>/packages/$1/src/index.ts',
    '^@wallet-login/challenge/native$': '<rootDir>/packages/challenge/src/native.ts',
    '^@wallet-login/client/(.*)$': '<rootDir>/packages/client/src/$1',
    '^@wallet-login/api/(.*)$': '<rootDir>/apps/api/src/$1',
  },
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { isolatedModules: true, tsconfig: '<rootDir>/tsconfig.json' }],
  },
  testTimeout: 20000,
};

export default config;
