import { randomFillSync } from 'node:crypto';

/** Random bytes drawn in one go and handed out in slices: a crypto call per span id would cost more than the id. */
const POOL = Buffer.alloc(4096);
let offset = POOL.length;

/** `bytes` random bytes as lowercase hex (W3C trace and span ids), from a pooled CSPRNG buffer. */
export function randomHex(bytes: number): string {
  if (offset + bytes > POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  const hex = POOL.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}
