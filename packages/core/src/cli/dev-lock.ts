import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SwitchyardError } from '../errors';
import { DevAlreadyRunningError } from './cli-errors';

export { DevAlreadyRunningError };

/** What `.switchyard/dev.lock` says about the `switchyard dev` that holds it. */
export interface DevLockInfo {
  pid: number;
  startedAt: string;
  /** Folder dev was started in. */
  cwd: string;
  entry: string;
  /** The client env file this dev owns (it holds the cluster's key). */
  envFile: string;
}

/** The lock a running dev holds. */
export interface DevLock {
  readonly file: string;
  /** Removes the lock if it still names this process. */
  release(): void;
}

/** True while `pid` runs (a zombie, dead but not yet reaped, counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // no /proc (not Linux): kill(0) is all we know
  }
}

function readLock(file: string): DevLockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as DevLockInfo;
    return Number.isInteger(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes `file` for this process, or throws DevAlreadyRunningError naming the live holder. A
 * lock of a dead process is stale: it is taken over, and the dead dev's env file removed.
 * The lock is written whole to a temporary file and linked into place, so it never exists
 * half-written, and linking fails if another dev got there first.
 */
export function acquireDevLock(file: string, info: Omit<DevLockInfo, 'pid' | 'startedAt'>): DevLock {
  mkdirSync(dirname(file), { recursive: true });
  const mine: DevLockInfo = { pid: process.pid, startedAt: new Date().toISOString(), ...info };
  const content = `${JSON.stringify(mine, null, 2)}\n`;
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        createExclusively(temp, file, content);
        return { file, release: () => removeIfHeldBy(file, process.pid) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readLock(file);
      if (holder && holder.pid !== process.pid && isAlive(holder.pid)) throw new DevAlreadyRunningError({ holder, lockFile: file });
      if (removeIfHeldBy(file, holder?.pid) && holder) rmSync(holder.envFile, { force: true });
    }
    throw new SwitchyardError(`could not take ${file}: other processes keep replacing it. Stop the other switchyard dev and run this one again.`);
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Creates `file` with `content` unless it exists (EEXIST): a hard link of `temp`, else, where the file system has no hard links, an exclusive write. */
function createExclusively(temp: string, file: string, content: string): void {
  try {
    linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw error;
    writeFileSync(file, content, { flag: 'wx', mode: 0o600 });
  }
}

/**
 * Removes the lock only if it names `pid` (undefined: an unreadable lock). It is first moved
 * aside, atomically, so a lock another dev wrote in the meantime is put back, not deleted.
 */
function removeIfHeldBy(file: string, pid: number | undefined): boolean {
  const aside = `${file}.${process.pid}.stale`;
  try {
    renameSync(file, aside);
  } catch {
    return false; // gone already
  }
  const moved = readLock(aside);
  if (moved?.pid !== pid) {
    try {
      linkSync(aside, file);
    } catch {
      // Yet another lock is in place: that one stands.
    }
    rmSync(aside, { force: true });
    return false;
  }
  rmSync(aside, { force: true });
  return true;
}

/**
 * The worker's part of cleaning up after a dev that died without stopping (SIGKILL): if the
 * lock still names its parent and that process is gone, removes the parent's env file (only
 * when it holds this worker's key, so never a newer dev's) and the lock. The worker sees its
 * input close while the kernel is still tearing the parent down, so it waits up to `waitMs`
 * for the parent to be gone.
 */
export async function releaseDeadOwnersFiles(lockFile: string, parentPid: number, key: string | undefined, waitMs = 3_000): Promise<void> {
  const holder = readLock(lockFile);
  if (!holder || holder.pid !== parentPid) return;
  for (const started = Date.now(); isAlive(parentPid); ) {
    if (Date.now() - started > waitMs) return; // alive after all: it closed our input on purpose
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  try {
    if (key && readFileSync(holder.envFile, 'utf8').includes(`RUNPOD_API_KEY=${key}\n`)) rmSync(holder.envFile, { force: true });
  } catch {
    // Already removed.
  }
  removeIfHeldBy(lockFile, parentPid);
}
