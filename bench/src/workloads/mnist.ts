/**
 * mnist: the `npm start` MLP (apps/examples/src/mnist.ts) on the full 60k/10k MNIST, trained
 * until test accuracy reaches 98% (at most 20 epochs); wall seconds to 98% and peak RSS
 * (shared/BASELINES.md). Each contender runs the recipe once in a fresh child process: backprop
 * as the real `npm start`, PyTorch as python/torch_mnist.py. Smoke mode: backprop's `npm start`
 * is stopped once it has picked its backend and loaded the data (no figures), PyTorch trains one
 * epoch on 2,048 images (figures that mean nothing).
 * @module
 */
import { loadavg } from "node:os";
import type { MnistPlan, Row, Workload } from "../types.js";

const target = 0.98;
const maxEpochs = 20;
const secondsCase = `s to ${String(target * 100)}%`;
const rssCase = "peak RSS MiB";

const percent = (x: number): string => `${(x * 100).toFixed(2)}%`;

/** Seconds to 98% test accuracy and peak RSS of the `npm start` recipe; smaller is better. */
export const mnist: Workload = {
  name: "mnist",
  description: `npm start MLP on 60k/10k MNIST until ${String(target * 100)}% test accuracy (max ${String(maxEpochs)} epochs); seconds to ${String(target * 100)}% and peak RSS`,
  smallerIsBetter: true,
  async run(contenders, options) {
    const rows: Row[] = [];
    for (const contender of contenders) {
      if (contender.mnist === undefined) continue;
      const load = loadavg();
      console.log(`  mnist ${contender.name}: running (load average ${load.map((l) => l.toFixed(2)).join(", ")})`);
      const plan: MnistPlan = { target, maxEpochs, smoke: options.smoke, progress: (line) => { console.log(`    ${line}`); } };
      const base = { workload: "mnist", contender: contender.name, medianSeconds: NaN, seconds: [] };
      const seconds: Row = { ...base, case: secondsCase, value: NaN, unit: "s" };
      const rss: Row = { ...base, case: rssCase, value: NaN, unit: "MiB" };
      try {
        const result = await contender.mnist(plan);
        if (!Number.isFinite(result.peakRssMiB)) {
          // Smoke mode's start-up check: nothing was measured, so there is no row to judge.
          console.log(`  mnist ${contender.name}: ${result.smokeNote ?? "no figures"} (${result.processSeconds.toFixed(1)} s)`);
          continue;
        }
        const last = result.epochs.length;
        const reached = result.secondsToTarget !== null;
        seconds.value = result.secondsToTarget ?? NaN;
        seconds.medianSeconds = seconds.value;
        seconds.seconds = reached ? [seconds.value] : [];
        seconds.note = result.smokeNote ?? (reached
          ? `${String(last)} epochs, test ${percent(result.accuracy)}`
          : `did not reach ${String(target * 100)}% in ${String(last)} epochs (test ${percent(result.accuracy)})`);
        rss.value = result.peakRssMiB;
        rss.note = result.detail;
        seconds.mnist = { ...result, loadavg: load };
      } catch (error) {
        const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
        seconds.error = message;
        rss.error = message;
      }
      rows.push(seconds, rss);
      options.progress?.(seconds);
      options.progress?.(rss);
    }
    return rows;
  },
};
