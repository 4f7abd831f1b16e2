export { AddressBreakers } from './address-breakers';
export type { AddressBreakersOptions, CircuitStatus } from './address-breakers';
export { CallBudget, remainingMs, sleep } from './call-budget';
export type { CallBudgetOptions } from './call-budget';
export { RetryPolicy } from './retry-policy';
export type { AttemptHistory, AttemptVerdict, MethodRetryRules, RetryDecision, RetryPolicyOptions } from './retry-policy';
export { ReplicaChoice } from './replica-choice';
export { AttemptFailure, isTransportFailure } from './transport-failure';
export { AddressSlots, RequestSlots } from './request-slots';
