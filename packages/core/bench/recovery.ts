import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { SwitchyardError } from '../src/errors';
import { BenchEcho } from './bench-endpoints';
import { startChild, type BenchChild } from './child-process';
import { routedClient } from './clients';
import type { Progress } from './progress';
import { fmt, makeRow, type ResultRow } from './report';
import { spread } from './stats';
import { startSteadyLoad, type CallRecord } from './steady-load';

/** Sizes of the recovery benchmark. */
export interface RecoveryOptions {
  /** Kill-and-restart rounds; the victim alternates between the two workers. */
  rounds: number;
  /** Calls in flight at all times (closed loop). */
  concurrency: number;
  /** How long each call works on the worker, ms. */
  workMs: number;
  /** Steady load before each kill, ms (both workers must have answered within it). */
  steadyMs: number;
  /** Load after the kill before the victim is restarted, ms: the window recovery is measured in. */
  observeMs: number;
  /** Longest wait for a call to land on the restarted worker, ms; reported as this when none does. */
  landingTimeoutMs: number;
}

/** Full run: 3 kills. */
export const RECOVERY_FULL: RecoveryOptions = { rounds: 3, concurrency: 16, workMs: 5, steadyMs: 1_500, observeMs: 3_000, landingTimeoutMs: 10_000 };
/** `--quick`: one kill. */
export const RECOVERY_QUICK: RecoveryOptions = { rounds: 1, concurrency: 16, workMs: 5, steadyMs: 1_000, observeMs: 2_500, landingTimeoutMs: 10_000 };

const BENCH = '7 recovery';

type Worker = BenchChild<{ url: string; pid: number }>;

/** What one kill-and-restart round measured (times in ms, relative to the kill). */
export interface RecoveryRound {
  inFlightAtKill: number;
  /** Kill signal → the parent saw the victim's exit, ms. */
  exitSeenMs: number;
  /** Share of the calls answered in the steady phase before the kill that the victim answered. */
  victimShare: number;
  /** The calls that failed after this kill (and before the next). */
  failed: CallRecord<number>[];
  /** How many of `failed` started after the kill (sent on a connection to the dead worker, or to it anew). */
  failedStartedAfterKill: number;
  /** Kill → the last failed call settled (0 when none failed). */
  recoveryMs: number;
  /** Kill → the first call that started after the kill succeeded. */
  firstNewSuccessMs: number;
  /** Kill → the first success of any call. */
  firstSuccessMs: number;
  /** Ready line of the restarted worker → first call answered by it; undefined if none within the timeout. */
  landingMs: number | undefined;
}

const startWorker = (port = 0): Promise<Worker> => startChild('worker-process.ts', ['serve', String(port)]);

/** Resolves once `condition()` holds (checked every 5 ms) or `timeoutMs` passed; true if it held. */
async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() >= deadline) return false;
    await sleep(5);
  }
  return true;
}

/** `EndpointUnavailableError ×7, DeadlineExceededError ×1` for the failures given. */
function errorClasses(failed: readonly CallRecord<number>[]): string {
  const counts = new Map<string, number>();
  for (const r of failed) {
    const name = (r.error as Error | undefined)?.name ?? typeof r.error;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([name, n]) => `${name} ×${n}`).join(', ') || 'none';
}

/**
 * Benchmark 7: two Switchyard workers, each its own child process, behind one client runtime
 * whose StaticDirectory lists both. A closed-loop load of `concurrency` calls to the
 * non-idempotent `work(ms)` runs throughout. Each round SIGKILLs one worker mid-load, reports
 * the calls that failed (with their error classes), the recovery time — from the kill until the
 * last failed call settled, after which every call succeeded — and the time until the first call
 * started after the kill succeeded. It then restarts the killed worker on the same port and
 * reports the time from its ready line until a call is answered by it (the client's breaker
 * probes an open circuit on the health route). Failures before the first kill fail the benchmark;
 * every failure after a kill counts against that kill's recovery.
 */
export async function benchRecovery(options: RecoveryOptions, progress: Progress): Promise<ResultRow[]> {
  progress(`recovery: 2 workers, ${options.rounds} × (SIGKILL one under c=${options.concurrency} load, restart it on its port)`);
  const workers: Worker[] = [];
  let load: ReturnType<typeof startSteadyLoad<number>> | undefined;
  let runtime: ReturnType<typeof routedClient> | undefined;
  try {
    // allSettled: if one worker fails to start, the other is still in `workers` for the cleanup below.
    const started = await Promise.allSettled([startWorker(), startWorker()]);
    for (const s of started) if (s.status === 'fulfilled') workers.push(s.value);
    const failedStart = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failedStart) throw failedStart.reason;
    const knownPids = new Set(workers.map((w) => w.info.pid));
    runtime = routedClient(workers.map((w) => w.info.url));
    const routed = runtime.get(BenchEcho);
    // Last time each worker pid answered, to see traffic reach both workers and the restarted one.
    const lastAnswerAt = new Map<number, number>();
    const firstAnswerAt = new Map<number, number>();
    load = startSteadyLoad(
      () => routed.work(options.workMs),
      options.concurrency,
      (r) => {
        if (r.value === undefined) return;
        if (!knownPids.has(r.value)) throw new SwitchyardError(`work() answered pid ${r.value}, which is none of the benchmark's workers.`);
        lastAnswerAt.set(r.value, r.settledAt);
        if (!firstAnswerAt.has(r.value)) firstAnswerAt.set(r.value, r.settledAt);
      },
    );
    const records = load.records;
    const kills: number[] = [];
    const rounds: Array<Omit<RecoveryRound, 'failed' | 'failedStartedAfterKill' | 'recoveryMs'> & { killAt: number }> = [];
    for (let round = 0; round < options.rounds; round++) {
      const victim = round % 2;
      const steadyFrom = performance.now();
      await sleep(options.steadyMs);
      const bothAnswered = workers.every((w) => (lastAnswerAt.get(w.info.pid) ?? -1) >= steadyFrom);
      if (!bothAnswered) throw new SwitchyardError(`recovery: in ${options.steadyMs} ms of steady load before kill ${round + 1}, not both workers answered a call.`);
      const early = records.find((r) => r.error !== undefined && (kills.length === 0 || r.settledAt < kills[0]!));
      if (early) throw new SwitchyardError(`recovery: a call failed before any worker was killed: ${(early.error as Error)?.message ?? String(early.error)}`, { cause: early.error });

      const killAt = performance.now();
      kills.push(killAt);
      const victimPid = workers[victim]!.info.pid;
      const steady = records.filter((r) => r.value !== undefined && r.settledAt >= steadyFrom);
      const victimShare = steady.filter((r) => r.value === victimPid).length / steady.length;
      await workers[victim]!.kill();
      const exitSeenMs = performance.now() - killAt;
      await sleep(options.observeMs);

      const port = Number(new URL(workers[victim]!.info.url).port);
      const restarted = await startWorker(port);
      workers[victim] = restarted;
      const readyAt = performance.now();
      knownPids.add(restarted.info.pid);
      const landed = await waitUntil(() => firstAnswerAt.has(restarted.info.pid), options.landingTimeoutMs);

      const afterKill = records.filter((r) => r.settledAt >= killAt);
      const firstNew = afterKill.find((r) => r.error === undefined && r.startedAt >= killAt);
      const firstAny = afterKill.find((r) => r.error === undefined);
      rounds.push({
        killAt,
        inFlightAtKill: records.filter((r) => r.startedAt < killAt && r.settledAt >= killAt).length,
        victimShare,
        exitSeenMs,
        firstNewSuccessMs: firstNew ? firstNew.settledAt - killAt : Number.NaN,
        firstSuccessMs: firstAny ? firstAny.settledAt - killAt : Number.NaN,
        landingMs: landed ? firstAnswerAt.get(restarted.info.pid)! - readyAt : undefined,
      });
    }
    await load.stop();
    // Failures belong to the latest kill before them; the last round's window runs to the end of the load.
    const figures: RecoveryRound[] = rounds.map((round, i) => {
      const until = rounds[i + 1]?.killAt ?? Number.POSITIVE_INFINITY;
      const failed = records.filter((r) => r.error !== undefined && r.settledAt >= round.killAt && r.settledAt < until);
      const recoveryMs = failed.length === 0 ? 0 : Math.max(...failed.map((r) => r.settledAt)) - round.killAt;
      const failedStartedAfterKill = failed.filter((r) => r.startedAt >= round.killAt).length;
      return { ...round, failed, failedStartedAfterKill, recoveryMs };
    });
    return recoveryRows(figures, options, records.length);
  } finally {
    await load?.stop();
    await runtime?.close();
    await Promise.allSettled(workers.map((w) => w.stop()));
  }
}

/**
 * The rows of the recovery benchmark: calls failed (median over the kills, with their error
 * classes), recovery time (the worst kill; target ≤ 2000 ms), time to the first success of a
 * call started after the kill (median), and ready → first call on the restarted worker (the
 * worst restart; target ≤ 2000 ms; a restart that got no call counts as `landingTimeoutMs`).
 */
export function recoveryRows(figures: readonly RecoveryRound[], options: RecoveryOptions, totalCalls: number): ResultRow[] {
  const perRound = (pick: (f: RecoveryRound) => number, digits = 0) => figures.map((f) => fmt(pick(f), digits)).join(', ');
  const allFailed = figures.flatMap((f) => f.failed);
  const stillFailing = figures.filter((f) => f.failed.length > 0 && f.recoveryMs > options.observeMs).length;
  const landings = figures.map((f) => f.landingMs ?? options.landingTimeoutMs);
  const missedLandings = figures.filter((f) => f.landingMs === undefined).length;
  const load = `c=${options.concurrency}, work(${options.workMs} ms)`;
  return [
    makeRow({
      bench: BENCH,
      case: `1 of 2 workers SIGKILLed under load (${load}): calls failed`,
      unit: 'calls',
      value: spread(figures.map((f) => f.failed.length)),
      digits: 0,
      detail: `per kill: ${perRound((f) => f.failed.length)}, of which started after the kill: ${perRound((f) => f.failedStartedAfterKill)}; in flight at the kill: ${perRound((f) => f.inFlightAtKill)}; victim's share of calls before: ${figures.map((f) => `${fmt(f.victimShare * 100, 0)}%`).join(', ')}; ${errorClasses(allFailed)}; ${fmt(totalCalls, 0)} calls in all`,
    }),
    makeRow({
      bench: BENCH,
      case: 'recovery: kill → last failed call settled',
      unit: 'ms',
      value: Math.max(...figures.map((f) => f.recoveryMs)),
      digits: 0,
      detail: `per kill: ${perRound((f) => f.recoveryMs)} (worst shown); every later call succeeded (up to the next kill); the victim's exit was seen ${perRound((f) => f.exitSeenMs, 1)} ms after the signal${stillFailing > 0 ? `; ${stillFailing} kill(s) still failing calls after the ${fmt(options.observeMs, 0)} ms window` : ''}`,
      target: { op: '<=', threshold: 2000 },
    }),
    makeRow({
      bench: BENCH,
      case: 'kill → first success of a call started after it',
      unit: 'ms',
      value: spread(figures.map((f) => f.firstNewSuccessMs)),
      digits: 1,
      detail: `per kill: ${perRound((f) => f.firstNewSuccessMs, 1)}; first success of any call: ${perRound((f) => f.firstSuccessMs, 1)} ms`,
    }),
    makeRow({
      bench: BENCH,
      case: 'killed worker restarted on its port: ready → first call on it',
      unit: 'ms',
      value: Math.max(...landings),
      digits: 0,
      detail: `per restart: ${landings.map((v) => fmt(v, 0)).join(', ')} (worst shown)${missedLandings > 0 ? `; ${missedLandings} got no call within ${fmt(options.landingTimeoutMs, 0)} ms` : ''}`,
      target: { op: '<=', threshold: 2000 },
    }),
  ];
}
