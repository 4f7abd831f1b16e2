/** Thrown by the image endpoint for input it cannot process. Registered, so it crosses the wire as itself. */
export class InvalidImageError extends Error {
  override name = 'InvalidImageError';
  constructor(message: string, readonly width: number, readonly height: number) {
    super(message);
  }
}
