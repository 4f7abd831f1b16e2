import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

// The compiled CLI in a real child process: only there does import() stay import() (jest and
// swc-node compile it to require()), and only there does Node's require(esm) apply.
const CORE = resolve(__dirname, '../..');
const BIN = join(CORE, 'bin/switchyard.js');
const CORE_URL = pathToFileURL(join(CORE, 'dist/index.js')).href;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function switchyard(args: string[], cwd: string): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd }, (error, stdout, stderr) => {
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/**
 * An ES module entry that declares endpoint `clock` (decorators applied by hand: plain JS, with
 * the parameter types a TypeScript compiler would emit, which @Remote requires since issue 13).
 */
function esmEntry(beforeDeclaring: string): string {
  return `import { Endpoint, Remote } from ${JSON.stringify(CORE_URL)};
${beforeDeclaring}
class Clock {
  async now() { return Date.now(); }
}
Reflect.decorate([Remote(), Reflect.metadata('design:paramtypes', [])], Clock.prototype, 'now', Object.getOwnPropertyDescriptor(Clock.prototype, 'now'));
export const DecoratedClock = Reflect.decorate([Endpoint({ name: 'clock' })], Clock);
`;
}

describe('loading an ES module entry (compiled CLI)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-entry-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads an entry with top-level await through import() once its awaits have finished', async () => {
    writeFileSync(join(dir, 'tla.mjs'), esmEntry('await new Promise((resolve) => setTimeout(resolve, 50));'));

    const result = await switchyard(['build', '--entry', 'tla.mjs', '--out', 'tla.manifest.json'], dir);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\nclock\s+queue\s+now\s+-\s+[0-9a-f]{16}\n/);
  });

  it('loads an entry without top-level await with require()', async () => {
    writeFileSync(join(dir, 'plain.mjs'), esmEntry('// no top-level await'));

    const result = await switchyard(['build', '--entry', 'plain.mjs', '--out', 'plain.manifest.json'], dir);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('(1 endpoint, 1 method)');
  });

  it('exits 1 naming the file, the reason and where it was thrown when a top-level await rejects, then the stack', async () => {
    writeFileSync(join(dir, 'rejects.mjs'), esmEntry("await Promise.reject(new Error('no config after await'));"));

    const result = await switchyard(['build', '--entry', 'rejects.mjs'], dir);

    expect(result.code).toBe(1);
    const file = join(dir, 'rejects.mjs');
    expect(result.stderr).toBe(
      `error: ${file}: entry module failed to load (no config after await): Error thrown at ${file}:2:22. Fix the code there (rebuild if it is compiled) and run the command again.\n` +
        `Error: no config after await\n    at ${pathToFileURL(file).href}:2:22\n`,
    );
  });
});
