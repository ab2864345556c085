// The SDK's signer: web3.js's accounts.sign over the text's UTF-8 bytes. Checked against the
// web3.js documentation's published signature, against ethers (RFC 6979 makes both deterministic,
// so the bytes are equal), and against signatures this signer made before it moved here from the
// challenge library, so the bytes it signs stay the same.

import { Wallet } from 'ethers';
import { recoverMessageAddress } from '@wallet-login/challenge';
import { isWalletLoginError } from './errors';
import { signMessage } from './index';

// Published in the web3.js documentation (web3.eth.accounts.sign / privateKeyToAccount).
const DOCS_KEY = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
const DOCS_ADDRESS = '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23';
const DOCS_SIGNATURE =
  '0xb91467e570a6466aa9e9876cbcd013baba02900b8979d43fe208a4a4f339f5fd6007e74cd82e037b800186422fc2da167c747ef045e5d18a5f5d4300f8e1a0291c';

test('signing "Some data" with the docs key gives the documented signature', () => {
  expect(signMessage({ message: 'Some data', privateKey: DOCS_KEY })).toBe(DOCS_SIGNATURE);
  expect(signMessage({ message: 'Some data', privateKey: DOCS_KEY.slice(2).toUpperCase() })).toBe(DOCS_SIGNATURE);
});

describe('web3 and ethers agree', () => {
  const messages = ['hello', '', 'ünïcødé ✓ 🔑', '0xdeadbeef', 'line one\nline two', 'x'.repeat(3000)];
  const keys = Array.from({ length: 4 }, (_, i) => `0x${(BigInt(i + 1) * 0x1234567890abcdefn + 7n).toString(16).padStart(64, '0')}`);

  test.each(messages)('signatures by web3 and ethers over %j are the same bytes, and recover to the signer', (message) => {
    for (const key of keys) {
      const wallet = new Wallet(key);
      const signature = signMessage({ message, privateKey: key });
      expect(signature).toBe(wallet.signMessageSync(message));
      expect(recoverMessageAddress({ message, signature })).toBe(wallet.address);
    }
  });

  test('a hex-looking message is signed as text, as a wallet would show it', () => {
    expect(signMessage({ message: '0x1234', privateKey: DOCS_KEY })).toBe(new Wallet(DOCS_KEY).signMessageSync('0x1234'));
  });
});

// Made with the challenge library's signMessage before signing moved to the client, for the
// texts where an encoding slip would show: hex-looking text, NUL, a lone surrogate (UTF-8 encodes
// it as U+FFFD), CRLF, the empty text.
test.each([
  ['0x1234', '0x25eeea94fe782034a6882089946689b5042c826e731e5cf9d1415b59bab33824536d7bb57251ddf2d61dc030310763bd41aec4e08eb2eed7c467ed7c0294d18e1c'],
  ['0xdeadbeef', '0x04e4700f1fb2de6b1e5d08e3619fba22eac38077b6fa9e1ca2766af4b9b1d93d0cb8af2c6e8f3d0040293efac13169164a67f245452cce5e10ca0939c588e2821b'],
  ['a\u0000b', '0xb78b3dc08c934f64c6d69b780f479049516cd451a9967788d1491954d15da8b24b99f33ed8535a2e16f19b8446bebbbb79479f73db4f75050232b130b18a7c561c'],
  ['\ud800x', '0xc90dc642718469e9122426aeed939c04b6103848b2b905769410aa6a79b16e9e2515296c24d90569dd2048fbfc9664c9596b99fd3905fb0b59f45be0bc800d961b'],
  ['a\r\nb', '0xa6050bc35dba47e56fec86d99727e7872659cd9ec3c9902c607da99b291ae43e6d6b90c11fa1bec546cc5783732e6447fe03a6493c066385b79abb6e0009455a1b'],
  ['', '0x8a68b4e66cd2b575338e16069d7b65f6f67c7ceae8945dccf8cb7bdb06278d933dd9c888f3444ca4698464079a067ad3cfffe96d493b8ecf56885169d0fdfe7d1b'],
  ['ünïcødé ✓ 🔑', '0xb87bb8e0156dd74b52d18684806c4eff6e737983c330b4125eedb3f7297841be32dd6657c2219bac229cd96e03dcf86ff96f610a8e00a9e5d14a4ecf0e8ad9241c'],
])('signs %j with the docs key to the same bytes as before', (message, signature) => {
  expect(signMessage({ message, privateKey: DOCS_KEY })).toBe(signature);
  expect(recoverMessageAddress({ message, signature })).toBe(DOCS_ADDRESS);
});

test.each(['', 'abc', `0x${'0'.repeat(64)}`, `0x${'g'.repeat(64)}`, DOCS_KEY.slice(0, -1)])('rejects the key %j as invalid_parameter without echoing it', (key) => {
  let error: unknown;
  try {
    signMessage({ message: 'm', privateKey: key });
  } catch (caught) {
    error = caught;
  }
  expect(isWalletLoginError(error, 'invalid_parameter')).toBe(true);
  if (key.length > 8) expect((error as Error).message).not.toContain(key.slice(2, 40));
});
