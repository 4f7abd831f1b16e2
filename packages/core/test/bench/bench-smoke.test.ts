import type { LoadResult } from '../../bench/load';
import { benchLocalOverhead } from '../../bench/local-overhead';
import { memoryRows } from '../../bench/memory';
import { silentProgress } from '../../bench/progress';
import { recoveryRows, RECOVERY_QUICK, type RecoveryRound } from '../../bench/recovery';
import { remoteCallRows } from '../../bench/remote-calls';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { makeRow, README_END, README_START, renderMarkdown, renderTable, spliceReadmeTable, type ResultRow } from '../../bench/report';
import { benchSerialization } from '../../bench/serialization';
import { EndpointUnavailableError } from '../../src/errors';
import { workerServerRows } from '../../bench/worker-server';
import { observabilityRows } from '../../bench/observability-overhead';

// Benchmarks 1, 5, 6 and 7 need real worker processes and run in `pnpm bench --quick` (CI);
// here their rows are built from made-up figures, to pin each row's shape, unit and target.
// Nothing is timed and no speed is asserted.

/** A burst of `calls` at `callsPerSecond`, as runLoad reports it. */
function burst(callsPerSecond: number, calls = 4): LoadResult {
  return {
    calls,
    concurrency: 1,
    elapsedNs: (calls / callsPerSecond) * 1e9,
    latenciesNs: Float64Array.from({ length: calls }, (_, i) => (i + 1) * 1e6),
    callsPerSecond,
    cpuUsPerCall: 300,
  };
}

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
  it('benchmark 4 (serialization) yields its rows, with the ratio-to-base64-in-JSON and wire-size targets', async () => {
    const rows = await benchSerialization({ rounds: 1, binaryBytes: 64 * 1024, graphElements: 200, repetitions: 1, binaryRepetitions: 1 }, silentProgress);
    rows.forEach(expectWellFormed);
    expect(rows.map((r) => r.case)).toEqual([
      '64.0 KB Uint8Array: Serializer round trip',
      '64.0 KB Uint8Array: Serializer / base64 inside JSON',
      '64.0 KB Uint8Array: Serializer wire bytes / raw byte',
      '64.0 KB Uint8Array: as call argument (encodeArgs)',
      '64.0 KB Uint8Array: Buffer base64 baseline',
      '64.0 KB Uint8Array: base64 inside JSON baseline',
      expect.stringMatching(/^200-element graph \(.+ JSON\): Serializer round trip$/),
      expect.stringMatching(/^200-element graph \(.+ JSON\): JSON\.stringify\/parse baseline$/),
    ]);
    expect(rows.every((r) => r.bench === '4 serialization')).toBe(true);
    // The binary target is the ratio to base64 inside JSON in the same round, not an absolute speed.
    expect(rows[0]).toMatchObject({ unit: 'MB/s', target: '', verdict: '' });
    expect(rows[1]).toMatchObject({ unit: '×', target: '≥ 0.9×', detail: 'per-round ratio of round-trip throughput' });
    // base64 carries 4 characters per 3 bytes: the wire ratio is a size, not a speed.
    expect(rows[2]).toMatchObject({ unit: '×', target: '≤ 1.37×', verdict: 'PASS' });
    expect(rows[2]!.value).toBeCloseTo(4 / 3, 2);
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

  it('benchmark 1 (remote calls) yields a row per variant and the a/u, a/f and a/c ratios taken per round', () => {
    // Round 1: a/u = 0.9, round 2: a/u = 0.7; the median of two is the lower (nearest rank).
    const rows = remoteCallRows(64, {
      a: [burst(900), burst(700)],
      u: [burst(1000), burst(1000)],
      f: [burst(450), burst(350)],
      c: [burst(300), burst(700)],
    });
    rows.forEach(expectWellFormed);
    expect(rows.map((r) => [r.case, r.unit, r.target])).toEqual([
      ['(a) routed runtime.get(Cls).echo(), c=64', 'calls/s', ''],
      ['(u) undici Pool.request /runsync (floor), c=64', 'calls/s', ''],
      ['(f) global fetch /runsync, c=64', 'calls/s', ''],
      ['(c) runpod-sdk runSync, c=64', 'calls/s', ''],
      ['a/u throughput (routed / undici floor), c=64', '×', '≥ 0.8×'],
      ['a/f throughput (routed / fetch), c=64', '×', ''],
      ['a/c throughput (routed / runpod-sdk), c=64', '×', '≥ 2×'],
    ]);
    expect(rows[4]).toMatchObject({ result: '0.70×', spread: '0.70–0.90', verdict: 'MISS' });
    expect(rows[5]).toMatchObject({ result: '2.00×', spread: '2.00–2.00', verdict: '' });
    expect(rows[6]).toMatchObject({ result: '1.00×', spread: '1.00–3.00', verdict: 'MISS' });
    expect(rows[0]!.detail).toMatch(/^p50 [\d.]+ \/ p99 [\d.]+ ms; client CPU 300 µs\/call$/);
  });

  it('benchmark 5 (worker server) yields serve() and bare rows, the serve/bare ratio per round and the CPU ratio', () => {
    const rows = workerServerRows(64, { serve: [600, 1400], bare: [1000, 2000] }, { serve: [200, 180], bare: [60, 54] });
    rows.forEach(expectWellFormed);
    expect(rows.map((r) => [r.case, r.unit, r.target])).toEqual([
      ['serve() runsync add(a, b), undici c=64', 'req/s', ''],
      ['bare node:http job server, undici c=64', 'req/s', ''],
      ['serve() / bare throughput', '×', '≥ 0.6×'],
      ['bare / serve() server CPU per request', '×', ''],
    ]);
    expect(rows[0]!.detail).toBe('server CPU 180 µs/request');
    expect(rows[2]).toMatchObject({ result: '0.60×', spread: '0.60–0.70', verdict: 'PASS' });
    expect(rows[3]!.value).toBeCloseTo(0.3, 5);
    // Without /proc there is no CPU figure, and no CPU ratio row.
    expect(workerServerRows(64, { serve: [1], bare: [1] }, { serve: [], bare: [] }).map((r) => r.detail)).toEqual(['server CPU n/a', 'server CPU n/a', 'per-round ratio']);
  });

  it('benchmark 6 (memory) yields KB per in-flight call against 10 KB and the growth after against 20 MB', () => {
    const MB = 1024 * 1024;
    const rows = memoryRows({
      calls: 10_000,
      baselineRss: 70 * MB,
      peakRss: 70 * MB + 10_000 * 12 * 1024,
      afterRss: 69 * MB,
      settledRss: 75 * MB,
      baselineHeapUsed: 12 * MB,
      peakHeapUsed: 100 * MB,
      settledHeapUsed: 13 * MB,
      elapsedMs: 2_000,
      gcAvailable: true,
    });
    rows.forEach(expectWellFormed);
    expect(rows.map((r) => [r.case, r.result, r.target, r.verdict])).toEqual([
      ['client RSS at start', '70.0 MB', '', ''],
      ['client RSS peak, 10,000 calls in flight', '187.2 MB', '', ''],
      ['client RSS per in-flight call, 10,000 calls', '12.0 KB/call', '≤ 10 KB/call', 'MISS'],
      ['client RSS growth after calls + GC + settle', '5.0 MB', '≤ 20 MB', 'PASS'],
    ]);
    expect(rows[3]!.detail).toBe('right after: -1.0 MB; heap +1.0 MB');
  });

  it('benchmark 7 (recovery) yields failed calls with their classes, recovery time and restart landing against 2 s', () => {
    const failed = (n: number) =>
      Array.from({ length: n }, () => ({ startedAt: 0, settledAt: 10, error: new EndpointUnavailableError('gone', { address: 'x', mayHaveRun: true }) }));
    const round = (over: Partial<RecoveryRound>): RecoveryRound => ({
      inFlightAtKill: 16,
      exitSeenMs: 2,
      victimShare: 0.5,
      failed: failed(8),
      failedStartedAfterKill: 1,
      recoveryMs: 30,
      firstNewSuccessMs: 4,
      firstSuccessMs: 1,
      landingMs: 300,
      ...over,
    });
    const rows = recoveryRows([round({}), round({ failed: failed(6), recoveryMs: 2_600, landingMs: undefined })], RECOVERY_QUICK, 5_000);
    rows.forEach(expectWellFormed);
    expect(rows.map((r) => [r.case, r.unit, r.target])).toEqual([
      ['1 of 2 workers SIGKILLed under load (c=16, work(5 ms)): calls failed', 'calls', ''],
      ['recovery: kill → last failed call settled', 'ms', '≤ 2000 ms'],
      ['kill → first success of a call started after it', 'ms', ''],
      ['killed worker restarted on its port: ready → first call on it', 'ms', '≤ 2000 ms'],
    ]);
    expect(rows[0]!.detail).toContain('per kill: 8, 6, of which started after the kill: 1, 1; in flight at the kill: 16, 16');
    expect(rows[0]!.detail).toContain('EndpointUnavailableError ×14');
    // Both targets are checked on the worst kill, not the median.
    expect(rows[1]).toMatchObject({ result: '2,600 ms', verdict: 'MISS' });
    expect(rows[1]!.detail).toBe('per kill: 30, 2,600 (worst shown); every later call succeeded (up to the next kill); the victim\'s exit was seen 2.0, 2.0 ms after the signal; 1 kill(s) still failing calls after the 2,500 ms window');
    // A restart that got no call counts as the whole timeout.
    expect(rows[3]).toMatchObject({ result: '10,000 ms', verdict: 'MISS' });
    expect(rows[3]!.detail).toBe('per restart: 300, 10,000 (worst shown); 1 got no call within 10,000 ms');
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

describe('the README table of the last full run', () => {
  const machine = { cores: 2, cpu: 'test cpu', node: 'v20.0.0', platform: 'linux-x64', date: '2026-01-01T00:00:00.000Z', mode: 'full' as const };
  const rows = [makeRow({ bench: '9 test', case: 'a case', value: 1.5, unit: '×', target: { op: '>=', threshold: 1 } })];

  it('replaces only the text between the markers, and keeps the markers for the next run', () => {
    const readme = `intro\n${README_START}\nold table\n${README_END}\nnotes after\n`;
    const once = spliceReadmeTable(readme, rows, machine);
    expect(once.startsWith(`intro\n${README_START}`)).toBe(true);
    expect(once.endsWith(`${README_END}\nnotes after\n`)).toBe(true);
    expect(once).not.toContain('old table');
    expect(once).toContain('| 9 test | a case |');
    expect(once).toContain('test cpu');
    expect(spliceReadmeTable(once, rows, machine)).toBe(once);
  });

  it('names the markers when the README lacks them', () => {
    expect(() => spliceReadmeTable('no markers here', rows, machine)).toThrow(README_START);
  });

  it('finds the markers in the repository README', () => {
    const readme = readFileSync(resolve(__dirname, '../../../../README.md'), 'utf8');
    expect(() => spliceReadmeTable(readme, rows, machine)).not.toThrow();
  });
});

describe('benchmark 8 rows (observability overhead)', () => {
  it('reports both variants and the per-round on/off ratio against 0.9', () => {
    const rows = observabilityRows(16, { on: [burst(900), burst(950), burst(1000)], off: [burst(1000), burst(1000), burst(1000)] });
    expect(rows.map((r) => r.case)).toEqual(['routed echo, tracer + metrics on, c=16', 'routed echo, both off, c=16', 'on / off throughput, c=16']);
    expect(rows[2].target).toBe('≥ 0.9×');
    expect(rows[2].result).toBe('0.95×');
    expect(rows[2].verdict).toBe('PASS');
  });
});
