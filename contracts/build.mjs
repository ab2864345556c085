#!/usr/bin/env node
// Compiles the project's Solidity contracts (contracts/src/*.sol) with the `solc` package's
// bundled compiler (offline: no compiler download) and writes one artifact per contract to
// contracts/out/<Name>.json: ABI, creation and runtime bytecode, the compiler and its settings,
// and a SHA-256 of the sources it was built from. The artifacts are committed; tests deploy
// them and never compile.
//
//   npm run contracts             rebuild contracts/out/
//   npm run contracts -- --check  exit 1 when contracts/out/ is not what the sources compile to

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const solc = require('solc');

const root = dirname(fileURLToPath(import.meta.url));
const sourceDir = join(root, 'src');
const outDir = join(root, 'out');
const check = process.argv.includes('--check');

// Cancun runs on every chain a sign-in is checked on today and on anvil; pinning it keeps the
// bytecode the same whatever the compiler's default becomes. No metadata hash: the bytecode then
// depends only on the sources and these settings.
const settings = {
  evmVersion: 'cancun',
  optimizer: { enabled: true, runs: 200 },
  metadata: { bytecodeHash: 'none' },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};

const files = readdirSync(sourceDir).filter((name) => name.endsWith('.sol')).sort();
const sources = Object.fromEntries(files.map((name) => [name, { content: readFileSync(join(sourceDir, name), 'utf8') }]));

/** The hash tests compare with, to catch sources changed without `npm run contracts`. */
function hashSources(contents) {
  const hash = createHash('sha256');
  for (const [name, content] of contents) hash.update(`${name}\0${content}\0`);
  return hash.digest('hex');
}
const sourcesSha256 = hashSources(files.map((name) => [name, sources[name].content]));

const output = JSON.parse(solc.compile(JSON.stringify({ language: 'Solidity', sources, settings })));
const problems = output.errors ?? [];
for (const problem of problems) process.stderr.write(`${problem.formattedMessage ?? problem.message}\n`);
if (problems.some((problem) => problem.severity === 'error')) process.exit(1);

mkdirSync(outDir, { recursive: true });
let stale = 0;
for (const [sourceName, contracts] of Object.entries(output.contracts)) {
  for (const [contractName, compiled] of Object.entries(contracts)) {
    const artifact = {
      contractName,
      sourceName: `contracts/src/${sourceName}`,
      compiler: `solc ${solc.version()}`,
      settings: { evmVersion: settings.evmVersion, optimizer: settings.optimizer, metadata: settings.metadata },
      sourcesSha256,
      abi: compiled.abi,
      bytecode: `0x${compiled.evm.bytecode.object}`,
      deployedBytecode: `0x${compiled.evm.deployedBytecode.object}`,
    };
    const file = join(outDir, `${contractName}.json`);
    const text = `${JSON.stringify(artifact, null, 2)}\n`;
    if (check) {
      let committed = '';
      try {
        committed = readFileSync(file, 'utf8');
      } catch {
        // missing: stale
      }
      if (committed !== text) {
        process.stderr.write(`contracts/out/${contractName}.json is not what contracts/src compiles to; run npm run contracts\n`);
        stale += 1;
      }
    } else {
      writeFileSync(file, text);
      process.stdout.write(`contracts/out/${contractName}.json (${(artifact.deployedBytecode.length - 2) / 2} bytes deployed)\n`);
    }
  }
}
if (stale > 0) process.exit(1);
