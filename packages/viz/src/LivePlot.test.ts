import { expect, test } from "vitest";
import { ValueError } from "@backprop/core";
import { LivePlot } from "./LivePlot.js";
import { Figure } from "./Figure.js";

test("redraws the curves through the display after each epoch", async () => {
  const shown: string[] = [];
  const display = { svg: (s: string) => shown.push(s), html: (s: string) => shown.push(s) };
  const live = new LivePlot({ display });
  live.onTrainBegin();
  await live.onEpochEnd(0, { loss: 0.8, val_loss: 0.9 });
  await live.onEpochEnd(1, { loss: 0.4, val_loss: 0.6 });
  expect(shown.length).toBe(2);
  expect(shown[1]).toContain('aria-label="epoch: 2; loss: 0.4; split: training"');
  expect(shown[0]).not.toContain("epoch: 2;");
  expect(live.history.history.val_loss).toEqual([0.9, 0.6]);
});

test("every and extra", async () => {
  const shown: string[] = [];
  const live = new LivePlot({
    display: { svg: (s) => shown.push(s), html: (s) => shown.push(s) },
    every: 2,
    extra: (epoch) => Promise.resolve(new Figure(`<svg id="side${epoch}"></svg>`)),
  });
  await live.onEpochEnd(0, { loss: 1 });
  await live.onEpochEnd(1, { loss: 0.5 });
  expect(shown.length).toBe(1);
  expect(shown[0]).toMatch(/^<div style="display:flex[^"]*"><svg[\s\S]*<svg id="side1"><\/svg><\/div>$/);
  expect(() => new LivePlot({ every: 0 })).toThrow(ValueError);
});
