import { Endpoint, Remote } from '@switchyard/decorators';
import type { Served } from './image';

/** A report section; registered with registerClass so it travels as an instance. */
export class ReportSection {
  constructor(
    public title: string,
    public lines: string[],
  ) {}

  render(): string {
    return [`## ${this.title}`, ...this.lines.map((l) => `- ${l}`)].join('\n');
  }
}

/** Renders text reports. CPU only. */
@Endpoint({ name: 'report', resources: { cpu: 'cpu3c', workersMax: 2 } })
export class ReportService {
  /** Same input, same report: safe to resubmit, so it is idempotent. */
  @Remote({ idempotent: true, retries: 2, timeoutMs: 10_000 })
  async render(orderId: string, sections: ReportSection[]): Promise<{ text: string; createdAt: Date; served: Served }> {
    const body = sections.map((s) => s.render()).join('\n\n');
    return { text: `# Report ${orderId}\n\n${body}\n`, createdAt: new Date(), served: { pid: process.pid } };
  }
}
