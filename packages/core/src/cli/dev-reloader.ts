import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeManifest, type Manifest } from '../manifest';
import { buildInChild } from './fresh-build';
import { watchTree } from './dev-watch';
import type { WorkerSet } from './dev-workers';

/** Options of {@link DevReloader}. */
export interface DevReloaderOptions {
  /** The compiled entry module; its folder is watched. */
  entry: string;
  /** The manifest clients and workers read; rewritten after each successful reload. */
  manifestPath: string;
  env?: NodeJS.ProcessEnv;
  /** Quiet time after the last change before a reload, ms. Default 250. */
  debounceMs?: number;
  event(line: string): void;
  /** The workers now serving and their manifest. */
  serving(): { set: WorkerSet; manifest: Manifest };
  /** A new set of workers for `manifest` (not started), loading `manifestFile`. */
  start(manifest: Manifest, manifestFile: string): WorkerSet;
  /** Makes `set` the one serving: the directory lists it from now on. */
  promote(set: WorkerSet, manifest: Manifest): void;
}

/**
 * `switchyard dev --watch`: when the entry's compiled files change, builds the manifest of the
 * new code in a child process, starts a new worker per endpoint beside the old ones, and once
 * every new worker is ready, points the directory at them and stops the old ones. If the new
 * code throws or a new worker cannot start, the old workers keep serving and the error is
 * printed. Changes during a reload make one more reload after it.
 */
export class DevReloader {
  private readonly stopWatching: () => void;
  private running: Promise<void> | undefined;
  private pending = new Set<string>();
  private closed = false;

  constructor(private readonly options: DevReloaderOptions) {
    const root = dirname(options.entry);
    this.stopWatching = watchTree(root, (files) => this.changed(files), { debounceMs: options.debounceMs });
    options.event(`watching ${root} for changes to .js files; the workers restart when they change`);
  }

  /** Stops watching and waits for a reload under way. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopWatching();
    await this.running;
  }

  private changed(files: string[]): void {
    if (this.closed) return;
    for (const file of files) this.pending.add(file);
    if (this.running) return;
    const next = [...this.pending];
    this.pending.clear();
    this.running = this.reload(next).finally(() => {
      this.running = undefined;
      if (this.pending.size > 0) this.changed([]);
    });
  }

  private async reload(files: string[]): Promise<void> {
    const { event } = this.options;
    event(`${describeFiles(files)} changed: reloading`);
    const nextFile = join(dirname(this.options.manifestPath), 'dev.manifest.next.json');
    try {
      const built = await buildInChild(this.options.entry, nextFile, this.options.env);
      if (!built.ok) return event(`reload failed; the previous workers keep serving. The changed code did not load:\n${indent(built.output)}`);
      if (this.closed) return;
      const set = this.options.start(built.manifest, nextFile);
      try {
        await set.start();
      } catch (error) {
        return event(`reload failed; the previous workers keep serving. ${(error as Error).message}`);
      }
      if (this.closed) return void (await set.stop());
      writeManifest(this.options.manifestPath, built.manifest);
      const old = this.options.serving();
      this.options.promote(set, built.manifest);
      await old.set.stop();
      event(`reloaded ${summary(old.set, set, old.manifest, built.manifest)}`);
    } finally {
      rmSync(nextFile, { force: true });
    }
  }
}

function summary(oldSet: WorkerSet, newSet: WorkerSet, oldManifest: Manifest, newManifest: Manifest): string {
  const oldPids = new Map(oldSet.workers().map((w) => [w.endpoint, w.pid]));
  const parts = newSet.workers().map((w) => (oldPids.has(w.endpoint) ? `${w.endpoint} (pid ${oldPids.get(w.endpoint)} → ${w.pid})` : `${w.endpoint} (new, pid ${w.pid})`));
  const removed = Object.keys(oldManifest.endpoints).filter((name) => !newManifest.endpoints[name]);
  return `${parts.join(', ')}${removed.length > 0 ? `; removed ${removed.join(', ')}` : ''}`;
}

function describeFiles(files: string[]): string {
  return files.length <= 3 ? files.join(', ') : `${files.slice(0, 3).join(', ')} and ${files.length - 3} more`;
}

function indent(text: string): string {
  return text.split('\n').map((line) => `  ${line}`).join('\n');
}
