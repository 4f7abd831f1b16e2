import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SwitchyardMetrics } from '../observability/metrics';

/** The path a worker serves its Prometheus metrics on (with the same key as every other route). */
export const METRICS_PATH = '/metrics';

/**
 * Answers `GET /metrics` with the runtime's registry in Prometheus text format. Returns false
 * for any other request; the caller has already checked the key.
 */
export async function answerMetrics(req: IncomingMessage, res: ServerResponse, pathname: string, metrics: SwitchyardMetrics): Promise<boolean> {
  if (pathname !== METRICS_PATH || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  const text = await metrics.registry.metrics();
  res.writeHead(200, { 'content-type': metrics.registry.contentType, 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : text);
  return true;
}
