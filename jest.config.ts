/**
 * One Jest run over every workspace's tests.
 * @jest-config-loader-options {"transpileOnly": true}
 */
import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/apps'],
  testMatch: ['**/src/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // Workspace packages resolve to their TypeScript source, so tests never run stale builds.
  moduleNameMapper: {
    '^@wallet-login/(challenge|client|contract)$': '<rootDir>/packages/$1/src/index.ts',
    '^@wallet-login/challenge/native$': '<rootDir>/packages/challenge/src/native.ts',
  },
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { isolatedModules: true, tsconfig: '<rootDir>/tsconfig.json' }],
  },
  testTimeout: 20000,
};

export default config;
