// Runs the CLI from source: node --conditions=@switchyard/source -r @swc-node/register packages/core/src/cli/bin.ts
// The published bin (packages/core/bin/switchyard.js) does the same against dist/cli/main.js.
import 'reflect-metadata';
import { main } from './main';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`switchyard: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
