import 'reflect-metadata';
import { BenchEcho } from './bench-endpoints';
import { routedClient } from './clients';
import { startChild } from './child-process';
import { runLoad } from './load';
async function main() {
  const w = await startChild<{ url: string }>('worker-process.ts', ['serve']);
  const rt = routedClient(w.info.url);
  const e = rt.get(BenchEcho);
  await runLoad(() => e.echo('hello'), 500, 1);
  const r = await runLoad(() => e.echo('hello'), 3000, Number(process.argv[2] ?? 1));
  console.log(r.callsPerSecond);
  await rt.close(); await w.stop();
}
main();
