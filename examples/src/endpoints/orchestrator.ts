import { IsInt, IsString, Length, Max, Min } from 'class-validator';
import { Endpoint, Remote } from '@switchyard/decorators';
import { InvalidImageError } from './errors';
import { ImageProcessor, type GrayImage, type Served } from './image';
import { ReportSection, ReportService } from './report';

/** Input of the workflow, validated by the worker before the method runs. */
export class OrderRequest {
  @IsString()
  @Length(3, 40)
  orderId!: string;

  @IsInt()
  @Min(8)
  @Max(2048)
  size!: number;

  @IsInt()
  @Min(1)
  @Max(512)
  thumbnailSide!: number;
}

/** One step of the workflow as the orchestrator saw it. */
export interface StepRecord {
  call: string;
  pid: number;
  ms: number;
  summary: string;
}

export interface OrderResult {
  orderId: string;
  thumbnail: GrayImage;
  report: string;
  steps: StepRecord[];
  served: Served;
}

/** A synthetic test card: a diagonal gradient with a bright square. */
export function makeImage(size: number): GrayImage {
  const pixels = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inSquare = x > size / 4 && x < size / 2 && y > size / 4 && y < size / 2;
      pixels[y * size + x] = inSquare ? 250 : Math.floor(((x + y) / (2 * size)) * 200);
    }
  }
  return { width: size, height: size, pixels };
}

/** Runs an order: thumbnail and histogram on the image endpoint, then a report. CPU only. */
@Endpoint({ name: 'orchestrator', resources: { cpu: 'cpu3c' } })
export class Orchestrator {
  // Constructor injection: in the orchestrator's process these are router proxies.
  constructor(
    private readonly images: ImageProcessor,
    private readonly reports: ReportService,
  ) {}

  @Remote({ timeoutMs: 60_000 })
  async processOrder(request: OrderRequest): Promise<OrderResult> {
    const steps: StepRecord[] = [];
    const timed = async <T extends { served: Served }>(call: string, run: () => Promise<T>, summary: (r: T) => string): Promise<T> => {
      const started = performance.now();
      const result = await run();
      steps.push({ call, pid: result.served.pid, ms: performance.now() - started, summary: summary(result) });
      return result;
    };

    const image = makeImage(request.size);
    const thumb = await timed('image-processor.thumbnail', () => this.images.thumbnail(image, request.thumbnailSide), (t) => `${t.width}x${t.height} px`);
    const stats = await timed('image-processor.histogram', () => this.images.histogram(thumb), (h) => `mean ${h.mean.toFixed(1)}`);

    // A call that fails on purpose: upscaling is refused with a typed error that crosses the wire.
    let refused = 'no error';
    const started = performance.now();
    try {
      await this.images.thumbnail(thumb, thumb.width * 4);
    } catch (error) {
      if (!(error instanceof InvalidImageError)) throw error;
      refused = `InvalidImageError handled: ${error.message}`;
      steps.push({ call: 'image-processor.thumbnail', pid: -1, ms: performance.now() - started, summary: refused });
    }

    const sections = [
      new ReportSection('Thumbnail', [`${thumb.width}x${thumb.height} from ${image.width}x${image.height}`]),
      new ReportSection('Brightness', [`mean ${stats.mean.toFixed(1)}`, `bins ${stats.bins.join(' ')}`]),
      new ReportSection('Checks', [refused]),
    ];
    const report = await timed('report.render', () => this.reports.render(request.orderId, sections), (r) => `${r.text.split('\n').length} lines`);
    return { orderId: request.orderId, thumbnail: thumb, report: report.text, steps, served: { pid: process.pid } };
  }
}
