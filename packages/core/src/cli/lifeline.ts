/**
 * The worker side of `switchyard dev`'s parent-liveness channel. dev starts each worker with a
 * pipe as its standard input and never writes to it. The operating system closes the pipe when
 * dev exits, however it exits (SIGKILL included, when no handler of dev's can run), so the end
 * of standard input tells the worker that nobody supervises it any more.
 */
export function untilInputEnds(input: NodeJS.ReadStream = process.stdin): Promise<'stdin-closed'> {
  return new Promise((resolve) => {
    const done = (): void => resolve('stdin-closed');
    input.once('end', done);
    input.once('close', done);
    input.once('error', done);
    // Reading is what lets 'end' arrive; whatever is written is ignored.
    input.on('data', () => undefined);
    input.resume();
    // Watching must not keep the worker alive once it has stopped for another reason.
    (input as { unref?: () => void }).unref?.();
  });
}

/**
 * Once the parent is gone nobody reads the worker's stdout and stderr: a write then fails with
 * EPIPE, emitted as an 'error' event that would crash the worker before it drains. Those
 * errors are dropped from here on.
 */
export function ignoreBrokenOutput(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
}

/**
 * After the parent is gone the worker still finishes its in-flight jobs, but for at most
 * `graceMs`; then it exits, so that no worker outlives dev by more than that.
 */
export function exitAfter(graceMs: number): void {
  setTimeout(() => process.exit(1), graceMs).unref();
}
