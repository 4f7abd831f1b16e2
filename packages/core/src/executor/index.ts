export type { ExecuteRequest, Executor } from './executor';
export { RunpodExecutor } from './runpod-executor';
export type { RunpodExecutorOptions } from './runpod-executor';
export { LoadBalancerExecutor } from './load-balancer-executor';
export type { LoadBalancerExecutorOptions } from './load-balancer-executor';
export type { BreakerOption } from './breaker-option';
