import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import type { CircuitBreakerPolicy } from 'cockatiel';
import { loadDefaults, numberOption, type SwitchyardDefaults } from '../config';
import { CircuitOpenError } from '../errors';
import { isTransportFailure } from './transport-failure';

/** Options of {@link AddressBreakers}. */
export interface AddressBreakersOptions {
  /**
   * Consecutive counted failures that open an address's circuit.
   * Default `loadDefaults().breakerThreshold`: 5, env SWITCHYARD_BREAKER_THRESHOLD.
   */
  threshold?: number;
  /**
   * How long an open circuit refuses calls before it lets one probe call through, ms.
   * Default `loadDefaults().breakerResetMs`: 10000, env SWITCHYARD_BREAKER_RESET_MS.
   */
  resetMs?: number;
  /**
   * Which errors count as failures. Default: errors marked by `markTransportFailure`
   * (connection errors, gateway 5xx, exhausted 429/503). Any other error passes through
   * without touching the count.
   */
  isFailure?: (error: unknown) => boolean;
  /** Resolved defaults (createRuntime passes its own). Default `loadDefaults()`. */
  defaults?: SwitchyardDefaults;
}

/** State of one address's circuit, as the router sees it. */
export type CircuitStatus = 'closed' | 'open' | 'half-open';

interface Circuit {
  policy: CircuitBreakerPolicy;
  /** Epoch ms of the last transition to open. */
  openedAt: number;
}

/**
 * One circuit breaker per address (a cockatiel `ConsecutiveBreaker` with `halfOpenAfter`),
 * held by an executor instance — no process-wide state, so two runtimes never share circuits
 * unless they share this object.
 *
 * Closed: calls run; `threshold` consecutive counted failures open the circuit (any success, or
 * any answer from the remote code, resets the count). Open: calls fail fast with
 * CircuitOpenError and send nothing, for `resetMs`. Then exactly one call is let through as a
 * probe; success closes the circuit, a counted failure opens it again.
 *
 * While the probe is in flight, other calls to that address get CircuitOpenError at once.
 * cockatiel itself would queue them behind the probe (`await state.test` in its HalfOpen branch)
 * and then re-run them without their AbortSignal, so a caller's deadline could not interrupt the
 * wait; rejecting fast lets the router pick another replica instead.
 */
export class AddressBreakers {
  /** Consecutive counted failures that open a circuit. */
  readonly threshold: number;
  /** Open duration before a probe is allowed, ms. */
  readonly resetMs: number;
  private readonly isFailure: (error: unknown) => boolean;
  private readonly circuits = new Map<string, Circuit>();
  private readonly openListeners: Array<(address: string) => void> = [];

  constructor(options: AddressBreakersOptions = {}) {
    const defaults = options.defaults ?? loadDefaults();
    this.threshold = numberOption('AddressBreakers', 'threshold', options.threshold, defaults, 'breakerThreshold');
    this.resetMs = numberOption('AddressBreakers', 'resetMs', options.resetMs, defaults, 'breakerResetMs');
    this.isFailure = options.isFailure ?? isTransportFailure;
  }

  /**
   * Runs `fn` under the circuit of `address`. Throws CircuitOpenError (naming `endpoint` and
   * `address`, and when the next probe is allowed) without calling `fn` when the circuit is
   * open or a probe is in flight.
   */
  async execute<T>(address: string, endpoint: string, fn: () => Promise<T>): Promise<T> {
    const circuit = this.circuit(address);
    this.throwIfRefusing(circuit, address, endpoint);
    try {
      return await circuit.policy.execute(() => fn());
    } catch (error) {
      // A race between our check and cockatiel's: report it the same way.
      if (error instanceof BrokenCircuitError) throw this.openError(circuit, address, endpoint);
      throw error;
    }
  }

  /**
   * True when a call to `address` would be refused right now: the circuit is open and its
   * reset time has not come, or its one probe call is in flight. The router skips such
   * replicas. Unknown addresses are closed.
   */
  isOpen(address: string): boolean {
    const circuit = this.circuits.get(address);
    return circuit !== undefined && this.refusing(circuit);
  }

  /** The circuit's state: `closed`, `open` (including "due for a probe") or `half-open` (probe in flight). */
  status(address: string): CircuitStatus {
    const state = this.circuits.get(address)?.policy.state;
    if (state === CircuitState.Open || state === CircuitState.Isolated) return 'open';
    if (state === CircuitState.HalfOpen) return 'half-open';
    return 'closed';
  }

  /** Every address with a circuit and its state (metrics). */
  readings(): Array<{ replica: string; state: 0 | 1 | 2 }> {
    return [...this.circuits.keys()].map((replica) => {
      const status = this.status(replica);
      return { replica, state: status === 'closed' ? 0 : status === 'open' ? 1 : 2 };
    });
  }

  /**
   * Counts the outcome of a request that did not run under the breaker (a status poll): a
   * transport failure counts like a submission's, a success resets the count. Only a closed
   * circuit counts; an open one is left to its probes. Never throws.
   */
  record(address: string, failure?: unknown): void {
    const circuit = this.circuit(address);
    if (circuit.policy.state !== CircuitState.Closed) return;
    void circuit.policy.execute(() => (failure === undefined ? undefined : Promise.reject(failure))).catch(() => undefined);
  }

  /** Closes the circuit of `address` at once: its replica answered a health probe. */
  close(address: string): void {
    const circuit = this.circuits.get(address);
    // cockatiel closes a circuit when its isolation is released; that is the only way to do it now.
    if (circuit && circuit.policy.state !== CircuitState.Closed) circuit.policy.isolate().dispose();
  }

  /** Calls `listener` with the address whenever a circuit opens. */
  onOpen(listener: (address: string) => void): void {
    this.openListeners.push(listener);
  }

  /** Epoch ms when an open circuit of `address` lets its next probe through; undefined unless open. */
  retryAt(address: string): number | undefined {
    const circuit = this.circuits.get(address);
    if (!circuit || circuit.policy.state !== CircuitState.Open) return undefined;
    return circuit.openedAt + this.resetMs;
  }

  private circuit(address: string): Circuit {
    let circuit = this.circuits.get(address);
    if (!circuit) {
      const policy = circuitBreaker(handleWhen((error) => this.isFailure(error)), {
        halfOpenAfter: this.resetMs,
        breaker: new ConsecutiveBreaker(this.threshold),
      });
      const created: Circuit = { policy, openedAt: 0 };
      policy.onBreak((reason) => {
        created.openedAt = Date.now();
        // Isolation (the first half of close()) is no outage: nobody needs to probe it.
        if (!('isolated' in reason)) for (const listener of this.openListeners) listener(address);
      });
      this.circuits.set(address, created);
      circuit = created;
    }
    return circuit;
  }

  private refusing(circuit: Circuit): boolean {
    const state = circuit.policy.state;
    if (state === CircuitState.HalfOpen || state === CircuitState.Isolated) return true;
    return state === CircuitState.Open && Date.now() < circuit.openedAt + this.resetMs;
  }

  private throwIfRefusing(circuit: Circuit, address: string, endpoint: string): void {
    if (this.refusing(circuit)) throw this.openError(circuit, address, endpoint);
  }

  /** The CircuitOpenError a call to `address` gets while its circuit refuses (for a caller that skipped it). */
  refusal(address: string, endpoint: string): CircuitOpenError {
    return this.openError(this.circuit(address), address, endpoint);
  }

  private openError(circuit: Circuit, address: string, endpoint: string): CircuitOpenError {
    const last = circuit.policy.lastFailure;
    const cause = last && 'error' in last && last.error instanceof Error ? ` Last failure: ${last.error.message}` : '';
    if (circuit.policy.state === CircuitState.HalfOpen) {
      return new CircuitOpenError(
        `Circuit for endpoint ${endpoint} at ${address} is half-open: one probe call is testing it now, so this call was not sent. ` +
          `Call again in a moment, or use another replica of ${endpoint}.${cause}`,
        { endpoint, address },
      );
    }
    const retryAt = circuit.openedAt + this.resetMs;
    const inMs = Math.max(0, retryAt - Date.now());
    return new CircuitOpenError(
      `Circuit for endpoint ${endpoint} at ${address} is open after ${this.threshold} consecutive transport failures, so this call was not sent. ` +
        `One probe call will be let through in ${inMs} ms (at ${new Date(retryAt).toISOString()}). ` +
        `Check that the endpoint's workers are up and reachable.${cause}`,
      { endpoint, address },
    );
  }
}
