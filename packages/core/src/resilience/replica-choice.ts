/**
 * Which replica one call tries next: the first one, in the order given, that this call has not
 * tried yet and whose circuit is not refusing; once every replica has been tried, the one tried
 * longest ago that is available; when none is available, `undefined`. The router rotates the
 * order per call, so calls spread over replicas while each call walks through all of them.
 */
export class ReplicaChoice<A extends { readonly url: string }> {
  /** url → attempt number of its last try. */
  private readonly tried = new Map<string, number>();
  private attempts = 0;

  constructor(
    private readonly replicas: readonly A[],
    private readonly isAvailable: (replica: A) => boolean = () => true,
  ) {}

  /** The replica for the next attempt, or undefined when every circuit refuses. Records the try. */
  next(): A | undefined {
    let pick: A | undefined;
    for (const replica of this.replicas) {
      if (!this.isAvailable(replica)) continue;
      const last = this.tried.get(replica.url);
      if (last === undefined) {
        pick = replica;
        break;
      }
      if (pick === undefined || last < this.tried.get(pick.url)!) pick = replica;
    }
    if (pick !== undefined) this.tried.set(pick.url, ++this.attempts);
    return pick;
  }

  /** Whether the replica the next call to `next()` would return is `replica` (for the backoff decision). */
  wouldRepeat(replica: A): boolean {
    // The replica just tried is the most recent, so any other available one comes first.
    return !this.replicas.some((r) => r.url !== replica.url && this.isAvailable(r));
  }

  /** Replicas this call has tried, in url form. */
  triedUrls(): string[] {
    return [...this.tried.keys()];
  }
}
