// The test kit: what several workspaces' tests share. Only re-exports.

export { createTestClock, type Clock, type MutableClock } from './clock';
export { TEST_KEY, TEST_KEYS, privateKeyToAddress, signMessage } from './keys';
export { freePort } from './ports';
export {
  TEST_SESSION_KEYS, TEST_START_TIME, startTestServer, testAppConfig, useTestServer,
  type TestServer, type TestServerOptions,
} from './testServer';
export * from './serving';
export { CHROMIUM_PATH, buildWeb, launchBrowser, newContext } from './browser';
export * from './testWallet';
export { SIGNED_IN_HEADING, chooseWallet, serverSession, shortAddress, signInWithWallet, waitForLoaded } from './page';
export * from './anvil';
