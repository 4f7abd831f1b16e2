import { Endpoint, Remote } from '@switchyard/decorators';
import { InvalidImageError } from './errors';

/** A grayscale image: width × height bytes, row by row. */
export interface GrayImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/** What a call reports about where it ran (the demo prints it). */
export interface Served {
  pid: number;
}

/** Image work that wants a GPU in production. Here it does honest CPU math on real bytes. */
@Endpoint({ name: 'image-processor', resources: { gpu: 'AMPERE_16', workersMax: 3 } })
export class ImageProcessor {
  /** Box-filter downscale so the longest side is `maxSide` pixels. */
  @Remote({ timeoutMs: 30_000 })
  async thumbnail(image: GrayImage, maxSide: number): Promise<GrayImage & { served: Served }> {
    checkImage(image);
    if (!Number.isInteger(maxSide) || maxSide < 1) {
      throw new InvalidImageError(`maxSide must be a positive integer, got ${maxSide}`, image.width, image.height);
    }
    const scale = Math.max(image.width, image.height) / maxSide;
    if (scale < 1) throw new InvalidImageError(`image is already smaller than ${maxSide}px`, image.width, image.height);
    const width = Math.max(1, Math.round(image.width / scale));
    const height = Math.max(1, Math.round(image.height / scale));
    const pixels = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let sum = 0;
        let count = 0;
        const y0 = Math.floor(y * scale);
        const x0 = Math.floor(x * scale);
        for (let yy = y0; yy < Math.min(image.height, Math.floor((y + 1) * scale)); yy++) {
          for (let xx = x0; xx < Math.min(image.width, Math.floor((x + 1) * scale)); xx++) {
            sum += image.pixels[yy * image.width + xx];
            count++;
          }
        }
        pixels[y * width + x] = count > 0 ? Math.round(sum / count) : 0;
      }
    }
    return { width, height, pixels, served: { pid: process.pid } };
  }

  /** 16-bin brightness histogram. */
  @Remote({ idempotent: true, retries: 1 })
  async histogram(image: GrayImage): Promise<{ bins: number[]; mean: number; served: Served }> {
    checkImage(image);
    const bins = new Array<number>(16).fill(0);
    let total = 0;
    for (const p of image.pixels) {
      bins[p >> 4]++;
      total += p;
    }
    return { bins, mean: total / image.pixels.length, served: { pid: process.pid } };
  }
}

function checkImage(image: GrayImage): void {
  if (!(image?.pixels instanceof Uint8Array) || image.pixels.length !== image.width * image.height) {
    throw new InvalidImageError('pixels must be a Uint8Array of width × height bytes', image?.width ?? 0, image?.height ?? 0);
  }
}
