/**
 * The training workloads' data: the first 10,000 real MNIST training images (pixels scaled to
 * [0, 1]) and their labels, loaded once with @backprop/data's loadMnist and handed to every
 * contender as the same plain arrays.
 * @module
 */
import { loadMnist } from "@backprop/data";
import type { MnistArrays } from "./types.js";

let cached: MnistArrays | undefined;

/** The first `count` training images as float32 [count * 784] and labels as int32 [count]. */
export async function mnistArrays(count = 10_000): Promise<MnistArrays> {
  if (cached?.count !== count) {
    const [x, y] = await loadMnist({ split: "train", flatten: true });
    const images = Float32Array.from((x.data() as Float32Array).subarray(0, count * 784));
    const labels = Int32Array.from((y.data() as Int32Array).subarray(0, count));
    x.dispose();
    y.dispose();
    cached = { images, labels, count };
  }
  return cached;
}
