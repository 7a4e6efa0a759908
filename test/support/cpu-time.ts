// CPU milliseconds a synchronous call takes, the best of `passes`. The process's CPU time rather
// than the wall clock: on a shared machine, time spent waiting for a core is not the code's.
export function bestCpuMs<T>(run: () => T, passes = 3): { ms: number; result: T } {
  let best = Infinity;
  let result!: T;
  for (let pass = 0; pass < passes; pass += 1) {
    const started = process.cpuUsage();
    result = run();
    const used = process.cpuUsage(started);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return { ms: best, result };
}
