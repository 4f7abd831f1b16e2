import { benchLocalOverhead } from '../../bench/local-overhead';
import { silentProgress } from '../../bench/progress';
import { makeRow, renderMarkdown, renderTable, type ResultRow } from '../../bench/report';
import { benchSerialization } from '../../bench/serialization';

/** Every field a row of the results table must carry. */
function expectWellFormed(row: ResultRow): void {
  expect(row).toEqual({
    bench: expect.any(String),
    case: expect.any(String),
    value: expect.any(Number),
    unit: expect.any(String),
    result: expect.any(String),
    spread: expect.any(String),
    detail: expect.any(String),
    target: expect.any(String),
    verdict: expect.stringMatching(/^(PASS|MISS|)$/),
  });
  expect(Number.isFinite(row.value)).toBe(true);
  // A row with a target always has a verdict, and one without never has.
  expect(row.verdict === '').toBe(row.target === '');
}

describe('pnpm bench (smallest pieces, in-process)', () => {
  it('benchmark 4 (serialization) yields its rows, with wire-size and throughput targets', async () => {
    const rows = await benchSerialization({ rounds: 1, binaryBytes: 64 * 1024, graphElements: 200, repetitions: 1 }, silentProgress);
    rows.forEach(expectWellFormed);
    expect(rows.map((r) => r.case)).toEqual([
      '64.0 KB Uint8Array: Serializer round trip',
      '64.0 KB Uint8Array: Serializer wire bytes / raw byte',
      '64.0 KB Uint8Array: as call argument (encodeArgs)',
      '64.0 KB Uint8Array: Buffer base64 baseline',
      '64.0 KB Uint8Array: base64 inside JSON baseline',
      expect.stringMatching(/^200-element graph \(.+ JSON\): Serializer round trip$/),
      expect.stringMatching(/^200-element graph \(.+ JSON\): JSON\.stringify\/parse baseline$/),
    ]);
    expect(rows.every((r) => r.bench === '4 serialization')).toBe(true);
    expect(rows[0]).toMatchObject({ unit: 'MB/s', target: '≥ 300 MB/s' });
    // base64 carries 4 characters per 3 bytes: the wire ratio is a size, not a speed.
    expect(rows[1]).toMatchObject({ unit: '×', target: '≤ 1.37×', verdict: 'PASS' });
    expect(rows[1]!.value).toBeCloseTo(4 / 3, 2);
  });

  it('benchmark 2 (local overhead) yields its rows in ns per call', async () => {
    const rows = await benchLocalOverhead({ rounds: 1, iterations: 10_000, iterationsPerGet: 1_000, iterationsCall: 100 }, silentProgress);
    rows.forEach(expectWellFormed);
    expect(rows.map((r) => r.case)).toEqual([
      'plain new BenchEcho().inc()',
      'hosted, get() once: added',
      'hosted, get() per call: added',
      'hosted runtime.call() vs await plain: added',
    ]);
    expect(rows.every((r) => r.unit === 'ns/call')).toBe(true);
    expect(rows.map((r) => r.target)).toEqual(['', '< 1000 ns/call', '< 1000 ns/call', '']);
  });

  it('prints one table, plain and Markdown, with a verdict per target', () => {
    const rows = [
      makeRow({ bench: '1 remote calls', case: 'a/b', unit: '×', value: { median: 0.9, min: 0.8, max: 1.1 }, digits: 2, target: { op: '>=', threshold: 0.85 } }),
      makeRow({ bench: '6 memory', case: 'peak', unit: 'MB', value: 250, digits: 1, target: { op: '<', threshold: 200 } }),
    ];
    expect(rows.map((r) => [r.result, r.spread, r.verdict])).toEqual([
      ['0.90×', '0.80–1.10', 'PASS'],
      ['250.0 MB', '', 'MISS'],
    ]);
    const text = renderTable(rows);
    expect(text.split('\n')[0]).toMatch(/^Benchmark\s+Case\s+Median\s+Spread \(min–max\)\s+Detail\s+Target\s+Verdict$/);
    expect(text).toContain('MISS');
    expect(renderMarkdown(rows).split('\n')).toHaveLength(4);
  });
});
