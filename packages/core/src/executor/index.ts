export type { ExecuteRequest, Executor } from './executor';
export { HttpExecutor } from './http-executor';
export type { BreakerOption, HttpExecutorOptions } from './http-executor';
export type { CallState } from './call-state';
export { RunpodExecutor } from './runpod-executor';
export type { RunpodExecutorOptions } from './runpod-executor';
export { LoadBalancerExecutor } from './load-balancer-executor';
export type { LoadBalancerExecutorOptions } from './load-balancer-executor';
