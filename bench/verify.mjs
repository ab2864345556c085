// Benchmark: signer recoveries per second over the same 1,000 (key, message) pairs, for this
// project's verification path and for ethers and web3. Medians of 7 runs, single thread.
//   npm run bench:verify
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { recoverMessageAddress, signMessage, privateKeyToAddress } from '@wallet-login/challenge';
import { verifyMessage } from 'ethers';
import { Web3 } from 'web3';

const PAIRS = 1_000;
const RUNS = 7;
const web3 = new Web3();

const pairs = Array.from({ length: PAIRS }, (_, i) => {
  const privateKey = `0x${randomBytes(32).toString('hex')}`;
  const message = `bench message ${i} ${randomBytes(8).toString('hex')}`;
  return { message, hex: web3.utils.utf8ToHex(message), signature: signMessage({ message, privateKey }), address: privateKeyToAddress(privateKey) };
});

const candidates = {
  'wallet-login (strict + noble)': (p) => recoverMessageAddress({ message: p.message, signature: p.signature }),
  'ethers verifyMessage': (p) => verifyMessage(p.message, p.signature),
  'web3 accounts.recover': (p) => web3.eth.accounts.recover(p.hex, p.signature),
};

const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
const results = [];
for (const [name, recover] of Object.entries(candidates)) {
  for (const p of pairs.slice(0, 50)) if (recover(p) !== p.address) throw new Error(`${name} recovered a wrong address`);
  const rates = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    for (const p of pairs) recover(p);
    rates.push(PAIRS / ((performance.now() - start) / 1000));
  }
  results.push({ name, perSecond: median(rates) });
}
const ours = results[0].perSecond;
console.log(`recoveries/s, ${PAIRS} pairs, median of ${RUNS} (node ${process.version})`);
for (const { name, perSecond } of results) {
  console.log(`  ${name.padEnd(32)} ${perSecond.toFixed(0).padStart(7)}/s  ${(perSecond / ours).toFixed(2)}× ours`);
}
