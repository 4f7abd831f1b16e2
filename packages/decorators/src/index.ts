export { Endpoint, getEndpointMetadata, getRemoteMethod, listEndpoints } from './endpoint';
export { Remote } from './remote';
export type { RemoteMethodDecorator } from './remote';
export { DecoratorError } from './errors';
export { forgetEndpoint } from './registry';
export { NAME_PATTERN } from './validate-options';
export type {
  Constructor,
  EndpointMetadata,
  EndpointOptions,
  EndpointType,
  FallbackPolicy,
  RemoteMethodMetadata,
  RemoteOptions,
  ResourceHints,
} from './types';
