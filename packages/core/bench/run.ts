// `pnpm bench [--quick] [--only=1,4] [--out=FILE]`: runs Switchyard's benchmarks and prints one
// table. Full runs (and any run given --out) also write a Markdown results file. Exit code 0
// whenever the benchmarks ran, targets missed or not; non-zero only when something crashed.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startChild, type BenchChild } from './child-process';
import { benchDirectoryStampede, DIRECTORY_STAMPEDE_FULL, DIRECTORY_STAMPEDE_QUICK } from './directory-stampede';
import { benchLocalOverhead, LOCAL_OVERHEAD_FULL, LOCAL_OVERHEAD_QUICK } from './local-overhead';
import { benchMemory, MEMORY_FULL, MEMORY_QUICK } from './memory';
import { benchRemoteCalls, REMOTE_CALLS_FULL, REMOTE_CALLS_QUICK } from './remote-calls';
import { benchSerialization, SERIALIZATION_FULL, SERIALIZATION_QUICK } from './serialization';
import { benchWorkerServer, WORKER_SERVER_FULL, WORKER_SERVER_QUICK } from './worker-server';
import { stderrProgress } from './progress';
import { describeMachine, machineInfo, missedTargets, renderResultsFile, renderTable, type ResultRow } from './report';

interface Args {
  quick: boolean;
  only: Set<number> | undefined;
  out: string | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { quick: false, only: undefined, out: undefined };
  for (const arg of argv) {
    if (arg === '--quick') args.quick = true;
    else if (arg.startsWith('--only=')) args.only = new Set(arg.slice(7).split(',').map(Number));
    else if (arg.startsWith('--out=')) args.out = resolve(arg.slice(6));
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write('Usage: pnpm bench [--quick] [--only=1,2,...] [--out=results.md]\n');
      process.exit(0);
    } else {
      process.stderr.write(`unknown argument ${JSON.stringify(arg)}; see --help\n`);
      process.exit(2);
    }
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const mode = args.quick ? 'quick' : 'full';
  const machine = machineInfo(mode);
  const wanted = (n: number) => !args.only || args.only.has(n);
  const started = Date.now();
  process.stderr.write(`Switchyard benchmarks — ${describeMachine(machine)}\n`);
  const rows: ResultRow[] = [];
  const notes: string[] = [];
  const q = args.quick;
  const p = stderrProgress;
  let worker: BenchChild<{ url: string; pid: number }> | undefined;
  try {
    // One worker child serves benchmarks 1, 3, 5 and 6; the client side runs here (or, for 6, in its own child).
    if ([1, 3, 5, 6].some(wanted)) worker = await startChild<{ url: string; pid: number }>('worker-process.ts', ['serve']);
    const url = worker?.info.url ?? '';
    if (wanted(1)) rows.push(...(await benchRemoteCalls(url, q ? REMOTE_CALLS_QUICK : REMOTE_CALLS_FULL, p)));
    if (wanted(2)) rows.push(...(await benchLocalOverhead(q ? LOCAL_OVERHEAD_QUICK : LOCAL_OVERHEAD_FULL, p)));
    if (wanted(3)) rows.push(...(await benchDirectoryStampede(url, q ? DIRECTORY_STAMPEDE_QUICK : DIRECTORY_STAMPEDE_FULL, p)));
    if (wanted(4)) rows.push(...(await benchSerialization(q ? SERIALIZATION_QUICK : SERIALIZATION_FULL, p)));
    if (wanted(5)) rows.push(...(await benchWorkerServer(url, worker!.info.pid, q ? WORKER_SERVER_QUICK : WORKER_SERVER_FULL, p)));
    if (wanted(6)) rows.push(...(await benchMemory(url, q ? MEMORY_QUICK : MEMORY_FULL, p)));
  } finally {
    await worker?.stop();
  }
  process.stdout.write(`\nSwitchyard benchmarks — ${describeMachine(machine)}\n\n${renderTable(rows)}\n\n`);
  const missed = missedTargets(rows);
  process.stdout.write(missed.length === 0 ? 'All targets met.\n' : `Missed targets: ${missed.map((r) => `${r.bench} / ${r.case}`).join('; ')}\n`);
  process.stdout.write(`Took ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
  const out = args.out ?? (args.quick ? undefined : resolve(__dirname, 'RESULTS.md'));
  if (out) {
    writeFileSync(out, renderResultsFile(rows, machine, notes));
    process.stdout.write(`Results written to ${out}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`benchmark crashed: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
