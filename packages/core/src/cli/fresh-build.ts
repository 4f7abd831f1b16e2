import { spawn } from 'node:child_process';
import { processEnv } from '../config';
import { loadManifest, type Manifest } from '../manifest';
import { cliCommand } from './dev-protocol';

/** The outcome of building the manifest of the entry's current code. */
export type FreshBuild = { ok: true; manifest: Manifest } | { ok: false; output: string };

/**
 * Runs `switchyard build --entry <entry> --out <out>` in a child process, so that the entry's
 * changed files are loaded fresh (this process keeps the modules it loaded at start). When
 * the entry throws, `output` is what the build printed: the error, where it was thrown and
 * its stack.
 */
export function buildInChild(entry: string, out: string, env: NodeJS.ProcessEnv = {}): Promise<FreshBuild> {
  const { command, args } = cliCommand();
  return new Promise((resolve) => {
    const child = spawn(command, [...args, 'build', '--entry', entry, '--out', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...processEnv(), ...env },
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', () => undefined);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('error', (error) => resolve({ ok: false, output: `could not run switchyard build: ${error.message}` }));
    child.once('close', (code) => {
      if (code !== 0) return resolve({ ok: false, output: output.trimEnd() || `switchyard build exited with code ${code}` });
      try {
        resolve({ ok: true, manifest: loadManifest(out) });
      } catch (error) {
        resolve({ ok: false, output: (error as Error).message });
      }
    });
  });
}
