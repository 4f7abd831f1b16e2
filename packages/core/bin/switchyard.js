#!/usr/bin/env node
'use strict';
require('reflect-metadata');
require('../dist/cli/main.js').main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`switchyard: ${err && err.message ? err.message : err}\n`); process.exitCode = 1; },
);
