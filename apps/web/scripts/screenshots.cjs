#!/usr/bin/env node
// npm run screenshots: runs test/screenshots.ts (compiled on the fly with the root tsconfig).
'use strict';

const { join } = require('node:path');

require('ts-node').register({ project: join(__dirname, '..', '..', '..', 'tsconfig.json') });
require('../test/screenshots.ts');
