export { createTestRuntime } from './test-runtime';
export type { Override, TestRuntimeOptions } from './test-runtime';
export { startLocalCluster } from './local-cluster';
export type { LocalCluster, LocalClusterOptions } from './local-cluster';
export { startDevCluster, READY_MARKER } from '../cli/dev-cluster';
export type { DevCluster, DevClusterOptions, DevWorker } from '../cli/dev-cluster';
