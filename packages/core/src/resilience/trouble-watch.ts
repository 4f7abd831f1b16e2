/**
 * Pauses that end early when a request to the same address fails. A poller waiting between
 * status checks of a job on one replica looks at once when another request to that replica
 * fails in the transport: the replica may be gone, and its jobs with it.
 */
export class TroubleWatch {
  private readonly waiting = new Map<string, Set<() => void>>();

  /** Waits `ms`, or until `trouble(url)`, or until `signal` aborts (then rejects with its reason). */
  pause(url: string, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      let set = this.waiting.get(url);
      if (!set) this.waiting.set(url, (set = new Set()));
      const wakers = set;
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        wakers.delete(wake);
        if (wakers.size === 0 && this.waiting.get(url) === wakers) this.waiting.delete(url);
      };
      const wake = (): void => {
        done();
        resolve();
      };
      const onAbort = (): void => {
        done();
        reject(signal.reason);
      };
      const timer = setTimeout(wake, ms);
      wakers.add(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** A request to `url` failed in the transport: ends every pause waiting on it. */
  trouble(url: string): void {
    const wakers = this.waiting.get(url);
    if (wakers) for (const wake of [...wakers]) wake();
  }

  /** Pauses in progress on `url` (for tests). */
  waitingOn(url: string): number {
    return this.waiting.get(url)?.size ?? 0;
  }
}
