#!/usr/bin/env node
// The wallet-login command: the one place that reads process.argv and process.env (src/cli.ts).
'use strict';

const { homedir } = require('node:os');
const { run } = require('../dist/cli.js');
const { escapeControlCharacters } = require('../dist/escapeControlCharacters.js');

run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  homeDir: homedir(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`error: ${escapeControlCharacters(error instanceof Error ? error.message : String(error))}\n`);
    process.exitCode = 1;
  },
);
