import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import ky from 'ky';
import { BenchEcho, BENCH_KEY } from './bench-endpoints';
import { routedClient, endpointAddress } from './routed-client';
import { RunpodExecutor } from '../src/executor';
import { benchLogger } from './bench-logger';
import { randomUUID } from 'node:crypto';

const gc = (globalThis as any).gc as () => void;
async function main() {
  const [url, variant, nArg] = process.argv.slice(2);
  const n = Number(nArg);
  const rt = routedClient(url!);
  const e = rt.get(BenchEcho);
  const addr = endpointAddress(url!);
  const headers = { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json' };
  const inv = () => ({ sy: 1, endpoint: 'bench-echo', method: 'sleep', args: { json: [2000] }, callId: randomUUID(), deadline: Date.now() + 600000 });
  const exec = new RunpodExecutor({ apiKey: BENCH_KEY, logger: benchLogger('x') });
  const http = require('node:http');
  const agent = new http.Agent({ keepAlive: true });
  const u = new URL(`${addr}/runsync`);
  const viaHttp = () => new Promise((resolve, reject) => {
    const body = JSON.stringify({ input: inv() });
    const req = http.request({ agent, host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res: any) => {
      const chunks: Buffer[] = []; res.on('data', (c: Buffer) => chunks.push(c)); res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
    });
    req.on('error', reject); req.end(body);
  });
  const v: Record<string, () => Promise<unknown>> = {
    fetch: async () => (await fetch(`${addr}/runsync`, { method: 'POST', headers, body: JSON.stringify({ input: inv() }) })).json(),
    fetchSignal: async () => (await fetch(`${addr}/runsync`, { method: 'POST', headers, body: JSON.stringify({ input: inv() }), signal: AbortSignal.any([new AbortController().signal]) })).json(),
    ky: async () => (await ky.post(`${addr}/runsync`, { body: JSON.stringify({ input: inv() }), headers, retry: 0, timeout: 100000 })).json(),
    executor: () => exec.execute({ endpoint: 'bench-echo', method: 'sleep', address: addr, invocation: inv() as never, deadline: Date.now() + 600000, idempotent: false, retries: 0 }),
    routed: () => e.sleep(2000),
    http: viaHttp as () => Promise<unknown>,
  };
  for (let i = 0; i < 5; i++) await v[variant!]!();
  await sleep(5500);
  gc(); gc();
  const base = process.memoryUsage();
  const all = Array.from({ length: n }, () => v[variant!]!());
  await sleep(1500);
  gc();
  const mid = process.memoryUsage();
  if (process.argv[5]) require('node:v8').writeHeapSnapshot(process.argv[5]);
  await Promise.all(all);
  all.length = 0;
  await sleep(6500); gc(); await sleep(100); gc();
  const after = process.memoryUsage();
  if (process.argv[6]) require('node:v8').writeHeapSnapshot(process.argv[6]);
  console.log('   after: heap/call KB', ((after.heapUsed - base.heapUsed) / n / 1024).toFixed(2), 'rss/call', ((after.rss - base.rss) / n / 1024).toFixed(2));
  console.log(variant!.padEnd(12), 'heap/call KB', ((mid.heapUsed - base.heapUsed) / n / 1024).toFixed(1), 'rss/call KB', ((mid.rss - base.rss) / n / 1024).toFixed(1), 'external/call', ((mid.external - base.external) / n / 1024).toFixed(1));
  process.exit(0);
}
main();
