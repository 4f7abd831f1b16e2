export type { ExecuteRequest, Executor } from './executor';
export { HttpExecutor } from './http-executor';
export type { BreakerOption, CallState, HttpExecutorOptions } from './http-executor';
export { RunpodExecutor } from './runpod-executor';
export type { RunpodExecutorOptions } from './runpod-executor';
export { LoadBalancerExecutor } from './load-balancer-executor';
export type { LoadBalancerExecutorOptions } from './load-balancer-executor';
