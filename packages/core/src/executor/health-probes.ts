import ky from 'ky';
import type { EndpointAddress } from '../directory/endpoint-address';
import type { Logger } from '../observability/logger';
import type { AddressBreakers } from '../resilience/address-breakers';
import { sleep } from '../resilience/call-budget';

/** Options of {@link HealthProbes}. */
export interface HealthProbesOptions {
  breakers: AddressBreakers;
  /** The health route of an address, e.g. `${url}/health` (queue) or `${url}/ping` (load balancer). */
  healthUrl(address: EndpointAddress): string;
  /** Headers of a probe (the Bearer key). */
  headers: Readonly<Record<string, string>>;
  intervalMs: number;
  timeoutMs: number;
  logger: Logger;
}

/**
 * Brings a replica back as soon as it is ready: while an address's circuit is open, its health
 * route is asked every `intervalMs` (over ky, a one-off request), and the first 2xx closes the
 * circuit — instead of waiting for the breaker's reset time and a real call as the probe.
 */
export class HealthProbes {
  private readonly known = new Map<string, EndpointAddress>();
  private readonly probing = new Set<string>();
  private readonly stop = new AbortController();

  constructor(private readonly options: HealthProbesOptions) {
    options.breakers.onOpen((url) => this.probe(url));
  }

  /** Remembers an address, so its circuit can be probed when it opens. */
  watch(address: EndpointAddress): void {
    if (!this.known.has(address.url)) this.known.set(address.url, address);
  }

  /** Stops every probe. */
  close(): void {
    this.stop.abort();
  }

  private probe(url: string): void {
    const address = this.known.get(url);
    if (address === undefined || this.probing.has(url) || this.stop.signal.aborted) return;
    this.probing.add(url);
    const { breakers, intervalMs, logger } = this.options;
    void (async () => {
      try {
        while (!this.stop.signal.aborted && breakers.status(url) !== 'closed') {
          await sleep(intervalMs, this.stop.signal);
          if (await this.healthy(address)) {
            breakers.close(url);
            logger.info(`${url} answers its health check again; its circuit is closed`);
            return;
          }
        }
      } catch {
        // Stopped while waiting: the executor is closing.
      } finally {
        this.probing.delete(url);
      }
    })();
  }

  private async healthy(address: EndpointAddress): Promise<boolean> {
    try {
      const response = await ky.get(this.options.healthUrl(address), {
        headers: this.options.headers,
        timeout: this.options.timeoutMs,
        retry: 0,
        throwHttpErrors: false,
        signal: this.stop.signal,
      });
      await response.text();
      // 200 only: a load-balancer worker answers 204 while it is still starting.
      return response.status === 200;
    } catch {
      return false;
    }
  }
}
