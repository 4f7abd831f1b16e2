export { serve } from './serve';
export type { ServeMode, ServeOptions, WorkerServer } from './serve';
export { Dispatcher } from './dispatcher';
export type { DispatcherOptions, DispatcherRuntime } from './dispatcher';
export type { JobContext, JobDispatcher, JobOutcome, WireProgress } from './dispatcher-types';
export { STREAM_BUFFER_CHUNKS } from './local-job-stream';
export type { TransportAddress, TransportContext, WorkerTransport } from './worker-transport';
export { startRunpodWorker } from './runpod-worker';
export type { RunpodWorkerHandle, RunpodWorkerOptions } from './runpod-worker';
