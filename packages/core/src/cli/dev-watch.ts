import { readdirSync, statSync, watch, type Dirent, type FSWatcher } from 'node:fs';
import { join, relative } from 'node:path';

/** Options of {@link watchTree}. */
export interface WatchTreeOptions {
  /** Quiet time after the last change before `onChange` runs, ms. Default 250. */
  debounceMs?: number;
  /** File names that count. Default: JavaScript files (`.js`, `.mjs`, `.cjs`). */
  matches?: (file: string) => boolean;
}

/** Folders never watched: installed packages and hidden folders (`.git`, `.switchyard`). */
const SKIPPED = (name: string): boolean => name === 'node_modules' || name.startsWith('.');
const JAVASCRIPT = (file: string): boolean => /\.[cm]?js$/.test(file);

/**
 * Watches `root` and its subfolders (not node_modules or hidden ones) and calls `onChange`
 * with the changed files, relative to `root`, once no change has come for `debounceMs` — a
 * compiler writes many files at once, and they make one reload. One non-recursive watcher per
 * folder, with folders created later picked up, since recursive fs.watch is not available on
 * every platform Node 20 runs on. Returns a function that stops watching.
 */
export function watchTree(root: string, onChange: (files: string[]) => void, options: WatchTreeOptions = {}): () => void {
  const debounceMs = options.debounceMs ?? 250;
  const matches = options.matches ?? JAVASCRIPT;
  const watchers = new Map<string, FSWatcher>();
  const changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const flush = (): void => {
    timer = undefined;
    if (closed || changed.size === 0) return;
    const files = [...changed].sort();
    changed.clear();
    onChange(files);
  };

  const add = (dir: string): void => {
    if (closed || watchers.has(dir)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, (_event, name) => {
        if (name === null) return;
        const path = join(dir, name.toString());
        // A new folder (a first build, `mkdir -p dist/x`) is watched from now on.
        if (!SKIPPED(name.toString()) && isDirectory(path)) add(path);
        if (!matches(path)) return;
        changed.add(relative(root, path));
        clearTimeout(timer);
        timer = setTimeout(flush, debounceMs);
      });
    } catch {
      return; // not a folder, or gone already
    }
    watcher.on('error', () => {
      watcher.close();
      watchers.delete(dir);
    });
    watchers.set(dir, watcher);
    let entries: Dirent[] = [];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      // Removed while we looked.
    }
    for (const entry of entries) if (entry.isDirectory() && !SKIPPED(entry.name)) add(join(dir, entry.name));
  };

  add(root);
  return () => {
    closed = true;
    clearTimeout(timer);
    for (const watcher of watchers.values()) watcher.close();
    watchers.clear();
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
