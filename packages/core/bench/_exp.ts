import 'reflect-metadata';
import ky from 'ky';
import { BenchEcho, BENCH_KEY } from './bench-endpoints';
import { routedClient, endpointAddress, fetchRunsync, echoInvocation } from './clients';
import { startChild } from './child-process';
import { runLoad } from './load';
import { RunpodExecutor } from '../src/executor';
import { benchLogger } from './bench-logger';
import { spread } from './stats';

async function main() {
  const c = Number(process.argv[2] ?? 1);
  const n = Number(process.argv[3] ?? 1000);
  const w = await startChild<{ url: string }>('worker-process.ts', ['serve']);
  const rt = routedClient(w.info.url);
  const e = rt.get(BenchEcho);
  const addr = endpointAddress(w.info.url);
  const headers = { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json' };
  const kyPlain = ky.create({ retry: 0 });
  const exec = new RunpodExecutor({ apiKey: BENCH_KEY, logger: benchLogger('x') });
  const execNoBreaker = new RunpodExecutor({ apiKey: BENCH_KEY, logger: benchLogger('x'), breaker: false });
  const { parseJobBody } = await import('../src/executor/runpod-job');
  const { jobOutcome } = await import('../src/executor/job-outcome');
  const { deadlineSignal } = await import('../src/resilience/deadline');
  const { createRuntime } = await import('../src/router/runtime');
  const { StaticDirectory } = await import('../src/directory');
  const lean = { async execute(req: any) {
    const scope = deadlineSignal(req.deadline, req.signal);
    try {
      const url = `${req.address}/runsync?wait=90000`;
      const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ input: req.invocation }), signal: scope.signal });
      const job = parseJobBody(await res.text(), 'x', url);
      return jobOutcome(req, req.address, job);
    } finally { scope.dispose(); }
  } };
  const leanRt = createRuntime({ directory: new StaticDirectory({ 'bench-echo': addr }), apiKey: BENCH_KEY, executor: lean as never, logger: benchLogger('l'), env: {} });
  const leanE = leanRt.get(BenchEcho);
  const variants: Record<string, () => Promise<unknown>> = {
    fetch: () => fetchRunsync(addr, 'hello'),
    fetchWait: async () => { const r = await fetch(`${addr}/runsync?wait=90000`, { method: 'POST', headers, body: JSON.stringify({ input: echoInvocation('hello') }) }); return r.json(); },
    fetchReq: async () => { const r = await fetch(new Request(`${addr}/runsync`, { method: 'POST', headers, body: JSON.stringify({ input: echoInvocation('hello') }) })); return r.json(); },
    kyPlain: async () => (await kyPlain.post(`${addr}/runsync`, { body: JSON.stringify({ input: echoInvocation('hello') }), headers })).json(),
    kyNoTimeout: async () => (await kyPlain.post(`${addr}/runsync`, { body: JSON.stringify({ input: echoInvocation('hello') }), headers, timeout: false })).json(),
    executor: () => exec.execute({ endpoint: 'bench-echo', method: 'echo', address: addr, invocation: echoInvocation('hello'), deadline: Date.now() + 600000, idempotent: false, retries: 0 } as never),
    executorNoBreaker: () => execNoBreaker.execute({ endpoint: 'bench-echo', method: 'echo', address: addr, invocation: echoInvocation('hello'), deadline: Date.now() + 600000, idempotent: false, retries: 0 } as never),
    routed: () => e.echo('hello'),
    routedLean: () => leanE.echo('hello'),
    fetchSignal: async () => { const r = await fetch(`${addr}/runsync`, { method: 'POST', headers, body: JSON.stringify({ input: echoInvocation('hello') }), signal: new AbortController().signal }); return r.json(); },
    fetchDeadline: async () => { const sc = deadlineSignal(Date.now() + 600000); try { const r = await fetch(`${addr}/runsync`, { method: 'POST', headers, body: JSON.stringify({ input: echoInvocation('hello') }), signal: sc.signal }); return await r.json(); } finally { sc.dispose(); } },
  };
  const names = (process.argv[4] ?? Object.keys(variants).join(',')).split(',');
  for (const k of names) await runLoad(variants[k]!, 300, c);
  const res: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  for (let r = 0; r < 3; r++) for (const k of names) { const u0 = process.cpuUsage(); (res[k] ??= []).push((await runLoad(variants[k]!, n, c)).callsPerSecond); const u = process.cpuUsage(u0); (cpu[k] ??= []).push((u.user + u.system) / n); }
  for (const k of names) console.log(k.padEnd(20), Math.round(spread(res[k]!).median), 'calls/s', Math.round(spread(cpu[k]!).median), 'µs cpu/call');
  await rt.close(); await w.stop();
}
main();
