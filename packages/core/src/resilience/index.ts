export { AddressBreakers } from './address-breakers';
export type { AddressBreakersOptions, CircuitStatus } from './address-breakers';
export { deadlineSignal, remainingMs } from './deadline';
export type { DeadlineScope } from './deadline';
export { isTransportFailure, markTransportFailure } from './transport-failure';
export { AddressSlots, RequestSlots } from './request-slots';
