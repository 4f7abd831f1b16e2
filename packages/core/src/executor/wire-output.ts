import { SerializationError } from '../errors';
import { WIRE_VERSION } from '../serialization/wire';
import type { WireOutput } from '../serialization/wire';
import { preview } from './server-message';

/**
 * Checks that a worker's result looks like a Switchyard result, `{"sy": 1, "result": {...}}`,
 * and returns it typed. Anything else means the endpoint does not run a (compatible)
 * Switchyard worker; the SerializationError says so instead of handing the caller garbage.
 *
 * @param where `endpoint.method`, for messages.
 * @param origin where it came from, e.g. `job J on http://…/v2/x`.
 */
export function assertWireOutput(value: unknown, where: string, origin: string): WireOutput {
  const v = value as Partial<WireOutput> | null;
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && 'sy' in v) {
    if (v.sy !== WIRE_VERSION) {
      throw new SerializationError(
        `${where}: ${origin} answered with Switchyard wire format version ${preview(v.sy)}, but this caller speaks version ${WIRE_VERSION}. ` +
          'Deploy caller and worker from the same Switchyard version.',
        `result of ${where}`,
      );
    }
    const result = v.result as unknown;
    if (result !== null && typeof result === 'object' && 'json' in result) return v as WireOutput;
  }
  throw new SerializationError(
    `${where}: ${origin} answered with ${preview(value)}, which is not a Switchyard result ({"sy":1,"result":{"json":…}}). ` +
      'The endpoint is probably not running a Switchyard worker: deploy it with `switchyard serve` (or serve()) for this endpoint.',
    `result of ${where}`,
  );
}
