import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Endpoint, Remote } from '@switchyard/decorators';
import { buildManifest, writeManifest } from '../../src/manifest';
import type { CliIo } from '../../src/cli';

// The app `switchyard deploy` deploys in its tests: a CPU queue endpoint, a GPU queue endpoint
// that calls it (constructor injection) with a long method, and a load balancer.

@Endpoint({ name: 'pricing', resources: { cpu: 'cpu3c-4', workersMax: 2, env: { CURRENCY: 'EUR' } } })
export class Pricing {
  @Remote()
  async quote(sku: string): Promise<number> {
    return sku.length;
  }
}

@Endpoint({ name: 'checkout', resources: { gpu: ['ADA_24', 'AMPERE_48'], workersMin: 1 } })
export class Checkout {
  constructor(private readonly pricing: Pricing) {}

  @Remote({ timeoutMs: 900_000 })
  async total(sku: string): Promise<number> {
    return this.pricing.quote(sku);
  }
}

/** A GPU endpoint that names a GPU type (RunPod's catalog maps it to its pool). */
@Endpoint({ name: 'render', resources: { gpu: 'NVIDIA A40' } })
export class Render {
  @Remote()
  async frame(n: number): Promise<number> {
    return n;
  }
}

@Endpoint({ name: 'search', type: 'load-balancer' })
export class Search {
  @Remote()
  async find(text: string): Promise<string[]> {
    return [text];
  }
}

/** A temporary folder holding switchyard.manifest.json of the app. */
export function writeAppManifest(classes: Array<new (...args: never[]) => unknown> = [Pricing, Checkout, Search]): string {
  const dir = mkdtempSync(join(tmpdir(), 'sy-deploy-'));
  writeManifest(join(dir, 'switchyard.manifest.json'), buildManifest(classes, { project: 'shop', now: new Date(0) }));
  return dir;
}

/** A CliIo capturing what a command prints. */
export function capturingIo(cwd: string, env: NodeJS.ProcessEnv): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (t: string) => void (io.out += t),
    stderr: (t: string) => void (io.err += t),
    cwd,
    env,
  };
  return io;
}
