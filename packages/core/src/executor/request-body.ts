import { PayloadTooLargeError, SerializationError } from '../errors';

/** Formats a byte count for messages: `20 MB`, `512 KB`, `17 bytes`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(bytes % 1024 === 0 ? 0 : 1)} KB`;
  return `${bytes} bytes`;
}

/**
 * Serializes a request body to JSON once and checks its UTF-8 size against `limit` before
 * anything is sent, so an oversized call fails fast with PayloadTooLargeError instead of a 413
 * after uploading megabytes. The returned string is what goes on the wire.
 *
 * @param where `endpoint.method`, for messages.
 * @param route what the limit belongs to, e.g. `RunPod's /runsync`.
 */
export function encodeJsonBody(value: unknown, limit: number, where: string, route: string): string {
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw new SerializationError(
      `${where}: the request body cannot be written as JSON (${(cause as Error).message}). Encode arguments with the runtime's Serializer.`,
      { position: `request of ${where}`, cause },
    );
  }
  const size = Buffer.byteLength(text, 'utf8');
  if (size > limit) {
    throw new PayloadTooLargeError(
      `${where}: the request is ${formatBytes(size)} (${size} bytes), over the ${formatBytes(limit)} limit of ${route}; nothing was sent. ` +
        'Pass a URL to the data (for example an object-storage link) instead of the data itself.',
      { size, limit },
    );
  }
  return text;
}
