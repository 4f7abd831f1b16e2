// Type tests of the directory and executor seams: directories produce EndpointAddress values,
// executors accept only them.
import { parseEndpointAddress, type Directory, type EndpointAddress, type Executor } from '@switchyard/core';

export class MyDirectory implements Directory {
  async resolve(endpoint: string): Promise<EndpointAddress[]> {
    return [parseEndpointAddress(`https://api.runpod.ai/v2/${endpoint}`, { endpoint, baseUrl: 'https://api.runpod.ai/v2' })];
  }
  async refresh(): Promise<void> {}
}

// @ts-expect-error -- a directory answers with addresses, not strings
export const stringDirectory: Directory = { resolve: async () => ['https://api.runpod.ai/v2/x'], refresh: async () => undefined };

export function useExecutor(executor: Executor, address: EndpointAddress): boolean {
  // @ts-expect-error -- an executor takes an address value, not a URL string
  executor.isAvailable?.('https://api.runpod.ai/v2/x');
  return executor.isAvailable?.(address) ?? true;
}
