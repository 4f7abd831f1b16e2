// Public surface of the deploy layer: RunPod's REST API v2 client and the planner of
// `switchyard deploy`. The listing parser is shared with RunpodDirectory.
export { RunpodRestClient } from './runpod-rest';
export type { CreateEndpointBody, RunpodRestClientOptions, UpdateEndpointBody } from './runpod-rest';
export { RUNPOD_NAMING_ENV, runpodName, runpodNamingFromEnv } from './runpod-endpoints';
export type { RunpodCpuConfig, RunpodEndpoint, RunpodEndpointType, RunpodNaming } from './runpod-endpoints';
export { DEFAULT_IMAGE_ENTRY, desiredEndpoint } from './endpoint-spec';
export type { DesiredEndpoint, EndpointSpecOptions } from './endpoint-spec';
export { gpuSelection, parseGpuCatalog } from './gpu-catalog';
export type { GpuTypeInfo } from './gpu-catalog';
export { planDeploy } from './deploy-plan';
export type { DeployPlan, DeployStep, PlanOptions } from './deploy-plan';
export { applyDeployPlan } from './deploy-apply';
export type { AppliedStep } from './deploy-apply';
