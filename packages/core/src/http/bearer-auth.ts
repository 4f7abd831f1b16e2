import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ConfigurationError } from '../errors';
import { HttpRefusal } from './json-io';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Checks `Authorization: Bearer <key>` in constant time. Both sides are hashed first, so the
 * compared buffers always have equal length and the key's length does not leak either. The bare
 * key without `Bearer` is accepted too (RunPod's docs show both forms). The key is never echoed.
 */
export class BearerAuth {
  private readonly expected: Buffer;
  /**
   * The header each keep-alive connection was last accepted with. A later request on the same
   * socket with the very same header skips the hash: the comparison is against what this client
   * itself sent before, so it tells nobody anything about the key.
   */
  private readonly accepted = new WeakMap<object, string>();

  /**
   * @param apiKey the key requests must carry
   * @param options `fix` says how to provide the key in the messages (default: the worker's
   *   RUNPOD_API_KEY / serve({ apiKey })); `rawKey` accepts the key without `Bearer` (default true,
   *   as RunPod's docs show both forms)
   */
  constructor(
    apiKey: string,
    private readonly options: { fix?: string; rawKey?: boolean } = {},
  ) {
    if (apiKey.length === 0) throw new ConfigurationError('The API key is empty. Set RUNPOD_API_KEY or pass apiKey.', { option: 'apiKey' });
    this.expected = digest(apiKey);
  }

  /** True if the request carries the key. */
  accepts(req: IncomingMessage): boolean {
    const header = req.headers.authorization;
    if (typeof header !== 'string' || header.length === 0) return false;
    if (this.accepted.get(req.socket) === header) return true;
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match && this.options.rawKey === false) return false;
    const presented = match ? match[1] : header.trim();
    const ok = timingSafeEqual(digest(presented), this.expected);
    if (ok) this.accepted.set(req.socket, header);
    return ok;
  }

  /** Throws a 401 refusal unless the request carries the key. */
  check(req: IncomingMessage): void {
    if (this.accepts(req)) return;
    const missing = !req.headers.authorization;
    const fix = this.options.fix ?? 'the key this worker was started with (RUNPOD_API_KEY or serve({ apiKey }))';
    throw new HttpRefusal(
      401,
      missing
        ? `Missing API key. Send the header "Authorization: Bearer <key>" with ${fix}.`
        : `Invalid API key. Send "Authorization: Bearer <key>" with ${fix}.`,
      { 'www-authenticate': 'Bearer' },
    );
  }
}
