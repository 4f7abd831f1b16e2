/**
 * Marks errors that mean "the transport failed" (connection refused or dropped, 5xx from a
 * gateway, rate limiting that outlasted our retries) as opposed to "the remote code answered"
 * (a FAILED job, a Switchyard error reply, a 4xx). Only marked errors count towards a circuit
 * breaker; a user's exception must never open a circuit.
 *
 * The mark is a symbol-keyed, non-enumerable property on the error object, so it survives being
 * rethrown and needs no registry.
 */
const TRANSPORT_FAILURE = Symbol.for('switchyard.transportFailure');

/** Marks `error` as a transport failure and returns it (for `throw markTransportFailure(e)`). */
export function markTransportFailure<E extends Error>(error: E): E {
  Object.defineProperty(error, TRANSPORT_FAILURE, { value: true, enumerable: false, configurable: true });
  return error;
}

/** True when `error` was marked with `markTransportFailure`. */
export function isTransportFailure(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[TRANSPORT_FAILURE] === true;
}
