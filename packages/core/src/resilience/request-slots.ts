/**
 * A FIFO counting semaphore: at most `capacity` HTTP requests in flight. Waiting costs a
 * closure, not a socket, so thousands of calls can wait while only `capacity` connections exist.
 */
export class RequestSlots {
  private inUse = 0;
  private readonly waiters: Array<{ grant: () => void }> = [];

  constructor(readonly capacity: number) {}

  /** Slots free right now (0 when requests are queued). */
  get free(): number {
    return this.waiters.length > 0 ? 0 : this.capacity - this.inUse;
  }

  /** Resolves with a release function once a slot is free; rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.inUse < this.capacity && this.waiters.length === 0) {
      this.inUse++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.inUse++;
          resolve(this.releaser());
        },
      };
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse--;
      this.waiters.shift()?.grant();
    };
  }
}

/**
 * Request slots of one address, split in two so that long requests cannot starve short ones:
 * `long` for requests that may be held for a whole job (runsync), `short` for quick ones
 * (/run, /status). Each gets half of the capacity (at least 1).
 */
export interface AddressSlotPair {
  long: RequestSlots;
  short: RequestSlots;
}

/** One pair of RequestSlots per address, created on first use. */
export class AddressSlots {
  private readonly slots = new Map<string, AddressSlotPair>();

  constructor(readonly capacity: number) {}

  for(address: string): AddressSlotPair {
    let pair = this.slots.get(address);
    if (!pair) {
      const long = Math.max(1, Math.floor(this.capacity / 2));
      pair = { long: new RequestSlots(long), short: new RequestSlots(Math.max(1, this.capacity - long)) };
      this.slots.set(address, pair);
    }
    return pair;
  }
}
