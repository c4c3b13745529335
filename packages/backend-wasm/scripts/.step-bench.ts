import { setBackend, randn, matmul, relu, logSoftmax, tidy, conv2d, maxPool2d, noGrad, randint, gather } from "@backprop/core";
import "../src/index.js";

function mlpStep(params: ReturnType<typeof randn>[], x: ReturnType<typeof randn>) {
  tidy(() => {
    const [w1, b1, w2, b2, w3, b3] = params;
    const h1 = relu(matmul(x, w1).add(b1));
    const h2 = relu(matmul(h1, w2).add(b2));
    const out = logSoftmax(matmul(h2, w3).add(b3), 1);
    const loss = out.mean().neg();
    loss.backward();
    noGrad(() => { for (const p of params) { p.sub(p.grad!.mul(1e-3)); } });
    for (const p of params) { p.grad!.dispose(); p.grad = null; }
  });
}
function cnnStep(params: ReturnType<typeof randn>[], x: ReturnType<typeof randn>) {
  tidy(() => {
    const [c1, c2, w] = params;
    let h = maxPool2d(relu(conv2d(x, c1)), { kernelSize: 2 });
    h = maxPool2d(relu(conv2d(h, c2)), { kernelSize: 2 });
    const out = logSoftmax(matmul(h.reshape([64, 1600]), w), 1);
    out.mean().neg().backward();
    for (const p of params) { p.grad!.dispose(); p.grad = null; }
  });
}
for (const name of process.argv.slice(2)) {
  setBackend(name);
  const mlp = [randn([784, 256]), randn([256]), randn([256, 128]), randn([128]), randn([128, 10]), randn([10])].map((t) => t.mul(0.05).requiresGrad_());
  const x = randn([128, 784]);
  for (let i = 0; i < 3; i++) mlpStep(mlp, x);
  let c0 = process.cpuUsage(); let t0 = performance.now();
  const steps = Number(process.env.STEPS ?? 20);
  for (let i = 0; i < steps; i++) mlpStep(mlp, x);
  let c = process.cpuUsage(c0);
  console.log(`${name} MLP: ${(128 * steps / ((c.user + c.system) / 1e6)).toFixed(0)} samples/CPU-s, ${(128 * steps / ((performance.now() - t0) / 1e3)).toFixed(0)} samples/s wall`);
  const cnn = [randn([32, 1, 3, 3]), randn([64, 32, 3, 3]), randn([1600, 10])].map((t) => t.mul(0.05).requiresGrad_());
  const xi = randn([64, 1, 28, 28]);
  cnnStep(cnn, xi);
  c0 = process.cpuUsage(); t0 = performance.now();
  const cs = name === "js" ? 2 : (process.env.CNN ? 5 : 0);
  for (let i = 0; i < cs; i++) cnnStep(cnn, xi);
  c = process.cpuUsage(c0);
  console.log(`${name} CNN: ${(64 * cs / ((c.user + c.system) / 1e6)).toFixed(0)} samples/CPU-s, ${(64 * cs / ((performance.now() - t0) / 1e3)).toFixed(0)} samples/s wall`);
}
