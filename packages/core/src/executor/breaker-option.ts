import { AddressBreakers } from '../resilience/address-breakers';

/**
 * How an executor guards addresses with circuit breakers:
 * - omitted or `{ threshold?, resetMs? }`: its own AddressBreakers (defaults from loadDefaults());
 * - an AddressBreakers instance: shared with whoever else holds it (e.g. both executors);
 * - `false`: no circuit breaking.
 */
export type BreakerOption = { threshold?: number; resetMs?: number } | AddressBreakers | false;

/** The AddressBreakers an executor uses for `option`, or undefined when disabled. */
export function resolveBreakers(option: BreakerOption | undefined): AddressBreakers | undefined {
  if (option === false) return undefined;
  if (option instanceof AddressBreakers) return option;
  return new AddressBreakers({ threshold: option?.threshold, resetMs: option?.resetMs });
}
