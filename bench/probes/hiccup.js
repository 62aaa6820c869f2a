// Probe: how often this machine takes the CPU away from a running process. One process spins
// for PROBE_SECONDS (15) reading the clock, with nothing else of ours running, and prints, for
// each second, the longest gap between two readings, and how many gaps were over 1 and 5 ms.
// On a quiet machine every gap is a few microseconds; gaps of milliseconds are the host (a VM's
// CPU time given to others, "steal"), and every latency figure of the benchmarks carries them.
// Writes nothing to bench/results.
//
//   node bench/probes/hiccup.js
const SECONDS = Number(process.env.PROBE_SECONDS ?? 15);

const worstBySecond = [];
let over1 = 0;
let over5 = 0;
const start = performance.now();
let last = start;
let worst = 0;
for (;;) {
  const now = performance.now();
  const gap = now - last;
  last = now;
  if (gap > worst) worst = gap;
  if (gap > 1) over1 += 1;
  if (gap > 5) over5 += 1;
  if (now - start >= (worstBySecond.length + 1) * 1000) {
    worstBySecond.push(Math.round(worst * 10) / 10);
    worst = 0;
    if (worstBySecond.length >= SECONDS) break;
  }
}
console.log(
  `longest gap in each of ${SECONDS} s (ms): ${worstBySecond.join(' ')}\n` +
    `gaps over 1 ms: ${over1}, over 5 ms: ${over5} (the longest ${Math.max(...worstBySecond)} ms)`,
);
