import { resolve } from 'node:path';
import { cliCommand } from '../../src/cli/dev-cluster';

// An earlier fix (c307c53): switchyard dev chose the CLI script for its workers by matching
// "switchyard" in the parent's script path, so a clone in a folder named switchyard spawned
// copies of the demo itself, recursively. The script now comes from the module's own location.

describe('regression: the dev cluster starts the CLI, whatever the parent script is called', () => {
  it('ignores process.argv[1] even when it names a switchyard folder', () => {
    const saved = process.argv[1];
    process.argv[1] = '/tmp/switchyard/switchyard/examples/dist/demo.js';
    try {
      const { command, args } = cliCommand();
      expect(command).toBe(process.execPath);
      expect(args.at(-1)).toBe(resolve(__dirname, '../../bin/switchyard.js'));
      expect(args).not.toContain(process.argv[1]);
    } finally {
      process.argv[1] = saved!;
    }
  });
});
