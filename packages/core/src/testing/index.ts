export { createTestRuntime } from './test-runtime';
export type { Override, TestRuntimeOptions } from './test-runtime';
export { startLocalCluster } from './local-cluster';
export type { LocalCluster, LocalClusterOptions } from './local-cluster';
