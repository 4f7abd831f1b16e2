// The errors of the CLI's own commands. A module of its own (no fs, no commander) so that
// @switchyard/core can export them for `instanceof` checks.
import { SwitchyardError } from '../errors';
import type { DevLockInfo } from './dev-lock';

/**
 * Another `switchyard dev` is running with the same `.switchyard` folder. One dev per folder:
 * two would overwrite each other's manifest and env file (and its key).
 */
export class DevAlreadyRunningError extends SwitchyardError {
  override name = 'DevAlreadyRunningError' as const;
  override readonly code = 'DEV_ALREADY_RUNNING' as const;
  readonly pid: number;
  readonly lockFile: string;

  constructor(options: { holder: Pick<DevLockInfo, 'pid' | 'startedAt' | 'cwd' | 'entry'>; lockFile: string }) {
    const { holder, lockFile } = options;
    super(
      `switchyard dev is already running in ${holder.cwd} (pid ${holder.pid}, started ${holder.startedAt}, entry ${holder.entry}). ` +
        `One dev per folder: stop it first (Ctrl-C in its terminal, or kill ${holder.pid}), or run this one from another folder. ` +
        `If pid ${holder.pid} is not a switchyard dev, delete ${lockFile}.`,
    );
    this.pid = holder.pid;
    this.lockFile = lockFile;
  }
}

/**
 * `switchyard init` found files it would write already in the target folder. Nothing was
 * written; `files` lists the existing ones, relative to `directory`.
 */
export class InitWouldOverwriteError extends SwitchyardError {
  override name = 'InitWouldOverwriteError' as const;
  override readonly code = 'INIT_WOULD_OVERWRITE' as const;
  readonly directory: string;
  readonly files: readonly string[];

  constructor(options: { directory: string; files: readonly string[] }) {
    super(
      `switchyard init would overwrite ${options.files.length} existing file${options.files.length === 1 ? '' : 's'} in ${options.directory}: ` +
        `${options.files.join(', ')}. Nothing was written. Run it in an empty or new folder (e.g. switchyard init my-app), or move those files away.`,
    );
    this.directory = options.directory;
    this.files = options.files;
  }
}
