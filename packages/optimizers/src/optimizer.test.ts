import { describe, expect, it } from "vitest";
import { RegistryError, Tensor, ValueError, isRegistered, resolve, tensor, tidy } from "@backprop/core";
import { Optimizer, adadelta, adagrad, adam, adamax, adamw, lion, nadam, radam, rmsprop, sgd } from "./index.js";

// The fixed quadratic f(p) = sum(a p^2 / 2 + b p), whose gradient is a p + b.
const A = [1, 2, 3];
const B = [0.1, -0.3, 0.2];
const P0 = [1, -2, 0.5];

function makeParam(values = P0): Tensor {
  return tensor(values, { dtype: "float64", requiresGrad: true });
}

function backwardQuadratic(p: Tensor): void {
  tidy(() => {
    const a = tensor(A, { dtype: "float64" });
    const b = tensor(B, { dtype: "float64" });
    p.square().mul(a).mul(0.5).add(p.mul(b)).sum().backward();
  });
}

function run(opt: Optimizer, p: Tensor, steps: number): number[] {
  for (let t = 0; t < steps; t++) {
    opt.zeroGrad();
    backwardQuadratic(p);
    opt.step();
  }
  return Array.from(p.data());
}

/** The same run written out by hand: `update(p, g, t)` changes p in place, plain JS numbers. */
function reference(steps: number, update: (p: number[], g: number[], t: number) => void): number[] {
  const p = [...P0];
  for (let t = 1; t <= steps; t++) {
    const g = p.map((x, i) => A[i] * x + B[i]);
    update(p, g, t);
  }
  return p;
}

function expectClose(got: number[], want: number[], tol = 1e-12): void {
  expect(got.length).toBe(want.length);
  got.forEach((x, i) => { expect(Math.abs(x - want[i])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i]))); });
}

const zeros3 = (): number[] => [0, 0, 0];

describe("update rules against their published formulas", () => {
  it("sgd", () => {
    const want = reference(5, (p, g) => { p.forEach((_, i) => (p[i] -= 0.1 * g[i])); });
    expectClose(run(sgd([makeParam()], { lr: 0.1 }), makeParam(), 0), P0);
    const p = makeParam();
    expectClose(run(sgd([p], { lr: 0.1 }), p, 5), want);
  });

  it("sgd with momentum, dampening and weight decay", () => {
    const [lr, mu, tau, wd] = [0.05, 0.9, 0.1, 0.01];
    let buf: number[] | null = null;
    const want = reference(5, (p, g) => {
      const d = g.map((gi, i) => gi + wd * p[i]);
      buf = buf === null ? d : buf.map((b, i) => mu * b + (1 - tau) * d[i]);
      p.forEach((_, i) => (p[i] -= lr * buf![i]));
    });
    const p = makeParam();
    expectClose(run(sgd([p], { lr, momentum: mu, dampening: tau, weightDecay: wd }), p, 5), want);
  });

  it("sgd with Nesterov momentum", () => {
    const [lr, mu] = [0.05, 0.9];
    let buf: number[] | null = null;
    const want = reference(5, (p, g) => {
      buf = buf === null ? [...g] : buf.map((b, i) => mu * b + g[i]);
      p.forEach((_, i) => (p[i] -= lr * (g[i] + mu * buf![i])));
    });
    const p = makeParam();
    expectClose(run(sgd([p], { lr, momentum: mu, nesterov: true }), p, 5), want);
  });

  function adamReference(steps: number, o: { lr: number; b1: number; b2: number; eps: number; wd: number; amsgrad: boolean; decoupled: boolean }): number[] {
    const m = zeros3();
    const v = zeros3();
    const vmax = zeros3();
    return reference(steps, (p, g, t) => {
      for (let i = 0; i < 3; i++) {
        if (o.decoupled) p[i] = p[i] * (1 - o.lr * o.wd);
        const gi = o.decoupled ? g[i] : g[i] + o.wd * p[i];
        m[i] = o.b1 * m[i] + (1 - o.b1) * gi;
        v[i] = o.b2 * v[i] + (1 - o.b2) * gi * gi;
        vmax[i] = Math.max(vmax[i], v[i]);
        const mHat = m[i] / (1 - o.b1 ** t);
        const vHat = (o.amsgrad ? vmax[i] : v[i]) / (1 - o.b2 ** t);
        p[i] -= (o.lr * mHat) / (Math.sqrt(vHat) + o.eps);
      }
    });
  }

  it("adam", () => {
    const want = adamReference(6, { lr: 0.1, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0, amsgrad: false, decoupled: false });
    const p = makeParam();
    expectClose(run(adam([p], { lr: 0.1 }), p, 6), want, 1e-10);
  });

  it("adam with AMSGrad and L2 weight decay", () => {
    const want = adamReference(6, { lr: 0.1, b1: 0.8, b2: 0.9, eps: 1e-3, wd: 0.1, amsgrad: true, decoupled: false });
    const p = makeParam();
    expectClose(run(adam([p], { lr: 0.1, betas: [0.8, 0.9], eps: 1e-3, weightDecay: 0.1, amsgrad: true }), p, 6), want, 1e-10);
  });

  it("adamw decays the weights directly", () => {
    const want = adamReference(6, { lr: 0.1, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.01, amsgrad: false, decoupled: true });
    const p = makeParam();
    expectClose(run(adamw([p], { lr: 0.1 }), p, 6), want, 1e-10);
  });

  it("rmsprop", () => {
    const [lr, alpha, eps] = [0.01, 0.99, 1e-8];
    const s = zeros3();
    const want = reference(5, (p, g) => {
      for (let i = 0; i < 3; i++) {
        s[i] = alpha * s[i] + (1 - alpha) * g[i] ** 2;
        p[i] -= (lr * g[i]) / (Math.sqrt(s[i]) + eps);
      }
    });
    const p = makeParam();
    expectClose(run(rmsprop([p]), p, 5), want);
  });

  it("rmsprop centred with momentum and weight decay", () => {
    const [lr, alpha, eps, mu, wd] = [0.01, 0.9, 1e-6, 0.5, 0.1];
    const s = zeros3();
    const a = zeros3();
    const buf = zeros3();
    const want = reference(5, (p, g) => {
      for (let i = 0; i < 3; i++) {
        const gi = g[i] + wd * p[i];
        s[i] = alpha * s[i] + (1 - alpha) * gi ** 2;
        a[i] = alpha * a[i] + (1 - alpha) * gi;
        buf[i] = mu * buf[i] + gi / (Math.sqrt(s[i] - a[i] ** 2) + eps);
        p[i] -= lr * buf[i];
      }
    });
    const p = makeParam();
    expectClose(run(rmsprop([p], { lr, alpha, eps, momentum: mu, weightDecay: wd, centered: true }), p, 5), want);
  });

  it("adagrad with learning-rate decay and an initial accumulator", () => {
    const [lr, decay, init, eps] = [0.1, 0.05, 0.2, 1e-10];
    const s = [init, init, init];
    const want = reference(5, (p, g, t) => {
      for (let i = 0; i < 3; i++) {
        s[i] += g[i] ** 2;
        p[i] -= ((lr / (1 + (t - 1) * decay)) * g[i]) / (Math.sqrt(s[i]) + eps);
      }
    });
    const p = makeParam();
    expectClose(run(adagrad([p], { lr, lrDecay: decay, initialAccumulatorValue: init }), p, 5), want);
  });

  it("adadelta", () => {
    const [lr, rho, eps] = [1, 0.9, 1e-6];
    const v = zeros3();
    const u = zeros3();
    const want = reference(5, (p, g) => {
      for (let i = 0; i < 3; i++) {
        v[i] = rho * v[i] + (1 - rho) * g[i] ** 2;
        const d = (Math.sqrt(u[i] + eps) / Math.sqrt(v[i] + eps)) * g[i];
        u[i] = rho * u[i] + (1 - rho) * d ** 2;
        p[i] -= lr * d;
      }
    });
    const p = makeParam();
    expectClose(run(adadelta([p]), p, 5), want);
  });

  it("adamax", () => {
    const [lr, b1, b2, eps] = [0.01, 0.9, 0.999, 1e-8];
    const m = zeros3();
    const u = zeros3();
    const want = reference(5, (p, g, t) => {
      for (let i = 0; i < 3; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        u[i] = Math.max(b2 * u[i], Math.abs(g[i]) + eps);
        p[i] -= (lr / (1 - b1 ** t)) * (m[i] / u[i]);
      }
    });
    const p = makeParam();
    expectClose(run(adamax([p], { lr }), p, 5), want);
  });

  function nadamReference(o: { lr: number; wd: number; decoupled: boolean }): number[] {
    const [b1, b2, eps, psi] = [0.9, 0.999, 1e-8, 4e-3];
    const m = zeros3();
    const v = zeros3();
    let prod = 1;
    return reference(5, (p, g, t) => {
      const mu = b1 * (1 - 0.5 * 0.96 ** (t * psi));
      const muNext = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi));
      prod *= mu;
      for (let i = 0; i < 3; i++) {
        if (o.decoupled) p[i] *= 1 - o.lr * o.wd;
        const gi = o.decoupled ? g[i] : g[i] + o.wd * p[i];
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        const vHat = v[i] / (1 - b2 ** t);
        const update = ((1 - mu) * gi) / (1 - prod) + (muNext * m[i]) / (1 - prod * muNext);
        p[i] -= (o.lr * update) / (Math.sqrt(vHat) + eps);
      }
    });
  }

  it("nadam", () => {
    const p = makeParam();
    expectClose(run(nadam([p], { lr: 0.01 }), p, 5), nadamReference({ lr: 0.01, wd: 0, decoupled: false }), 1e-10);
  });

  it("nadam with L2 and with decoupled weight decay", () => {
    const p = makeParam();
    expectClose(run(nadam([p], { lr: 0.01, weightDecay: 0.1 }), p, 5), nadamReference({ lr: 0.01, wd: 0.1, decoupled: false }), 1e-10);
    const q = makeParam();
    expectClose(run(nadam([q], { lr: 0.01, weightDecay: 0.1, decoupledWeightDecay: true }), q, 5), nadamReference({ lr: 0.01, wd: 0.1, decoupled: true }), 1e-10);
  });

  it("radam, through both the unrectified and the rectified branch", () => {
    const [lr, b1, b2, eps] = [0.01, 0.9, 0.999, 1e-8];
    const m = zeros3();
    const v = zeros3();
    let rectified = 0;
    const want = reference(8, (p, g, t) => {
      const rhoInf = 2 / (1 - b2) - 1;
      const rhoT = rhoInf - (2 * t * b2 ** t) / (1 - b2 ** t);
      for (let i = 0; i < 3; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2;
        const mHat = m[i] / (1 - b1 ** t);
        if (rhoT > 5) {
          const r = Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
          const adaptive = Math.sqrt(1 - b2 ** t) / (Math.sqrt(v[i]) + eps);
          p[i] -= lr * mHat * r * adaptive;
        } else {
          p[i] -= lr * mHat;
        }
      }
      if (rhoT > 5) rectified++;
    });
    expect(rectified).toBeGreaterThan(0);
    expect(rectified).toBeLessThan(8);
    const p = makeParam();
    expectClose(run(radam([p], { lr }), p, 8), want, 1e-10);
  });

  it("lion", () => {
    const [lr, b1, b2, wd] = [0.01, 0.9, 0.99, 0.1];
    const m = zeros3();
    const want = reference(5, (p, g) => {
      for (let i = 0; i < 3; i++) {
        p[i] = p[i] * (1 - lr * wd) - lr * Math.sign(b1 * m[i] + (1 - b1) * g[i]);
        m[i] = b2 * m[i] + (1 - b2) * g[i];
      }
    });
    const p = makeParam();
    expectClose(run(lion([p], { lr, weightDecay: wd }), p, 5), want);
  });

  it("float32 parameters follow the same rule to float32 precision", () => {
    const want = adamReference(6, { lr: 0.1, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0, amsgrad: false, decoupled: false });
    const p = tensor(P0, { requiresGrad: true });
    const opt = adam([p], { lr: 0.1 });
    for (let t = 0; t < 6; t++) {
      opt.zeroGrad();
      tidy(() => { p.square().mul(tensor(A)).mul(0.5).add(p.mul(tensor(B))).sum().backward(); });
      opt.step();
    }
    expect(p.dtype).toBe("float32");
    expectClose(Array.from(p.data()), want, 1e-5);
  });

  it("maximize climbs instead of descending", () => {
    const p = makeParam();
    const want = reference(3, (q, g) => { q.forEach((_, i) => (q[i] += 0.1 * g[i])); });
    expectClose(run(sgd([p], { lr: 0.1, maximize: true }), p, 3), want);
  });
});

describe("Optimizer", () => {
  const factories = { sgd: (ps: Tensor[]) => sgd(ps, { lr: 0.05, momentum: 0.9 }), adam, adamw, rmsprop, adagrad, adadelta, adamax, nadam, radam, lion };

  for (const [name, make] of Object.entries(factories)) {
    it(`${name}: a state-dict round trip continues identically`, () => {
      const p = makeParam();
      const opt = make([p]) as Optimizer;
      run(opt, p, 3);
      const saved = opt.stateDict();
      const q = makeParam(Array.from(p.data()));
      const fresh = make([q]) as Optimizer;
      fresh.loadStateDict(saved);
      const a = run(opt, p, 3);
      const b = run(fresh, q, 3);
      expect(b).toEqual(a);
    });
  }

  it("updates parameters and state in place, without new storage per step", () => {
    const p = makeParam();
    const opt = adam([p], { lr: 0.1 });
    run(opt, p, 1);
    const storage = p.storage;
    const state = opt.stateOf(p)!;
    const buffers = Object.values(state.buffers).map((t) => t.storage);
    run(opt, p, 3);
    expect(p.storage).toBe(storage);
    expect(Object.values(opt.stateOf(p)!.buffers).map((t) => t.storage)).toEqual(buffers);
    expect(opt.stateOf(p)!.step).toBe(4);
  });

  it("state survives memory scopes", () => {
    const p = makeParam();
    const opt = adam([p], { lr: 0.1 });
    tidy(() => run(opt, p, 2));
    for (const t of Object.values(opt.stateOf(p)!.buffers)) expect(t.isDisposed).toBe(false);
  });

  it("fills group settings from the defaults and keeps per-group ones", () => {
    const p = makeParam();
    const q = makeParam();
    const opt = sgd([{ params: [p] }, { params: [q], lr: 0.5 }], { lr: 0.1, momentum: 0.9 });
    expect(opt.paramGroups[0].lr).toBe(0.1);
    expect(opt.paramGroups[1].lr).toBe(0.5);
    expect(opt.paramGroups[1].momentum).toBe(0.9);
    expect(opt.paramGroups[1].dampening).toBe(0);
    backwardQuadratic(p);
    backwardQuadratic(q);
    opt.step();
    expectClose(Array.from(p.data()), P0.map((x, i) => x - 0.1 * (A[i] * x + B[i])));
    expectClose(Array.from(q.data()), P0.map((x, i) => x - 0.5 * (A[i] * x + B[i])));
  });

  it("addParamGroup adds parameters with their own settings", () => {
    const p = makeParam();
    const q = makeParam();
    const opt = adam([p], { lr: 0.1 });
    opt.addParamGroup({ params: [q], lr: 0.01 });
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.01]);
    expect(() => { opt.addParamGroup({ params: [p] }); }).toThrow(ValueError);
  });

  it("skips parameters without a gradient and works on float32", () => {
    const p = tensor([1, 2], { requiresGrad: true });
    const q = tensor([3], { requiresGrad: true });
    const opt = sgd([p, q], { lr: 0.5 });
    p.square().sum().backward();
    opt.step();
    expect(p.toArray()).toEqual([0, 0]);
    expect(q.toArray()).toEqual([3]);
    expect(opt.stateOf(q)).toBeUndefined();
  });

  it("zeroGrad clears gradients; step returns the closure's loss", () => {
    const p = makeParam();
    const opt = sgd([p], { lr: 0.1 });
    const loss = opt.step(() => {
      const l = p.square().sum();
      l.backward();
      return l;
    }) as Tensor;
    expect(loss.item()).toBeCloseTo(1 + 4 + 0.25, 12);
    expect(p.grad).not.toBeNull();
    opt.zeroGrad();
    expect(p.grad).toBeNull();
  });

  it("is registered by name", () => {
    for (const n of ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "radam", "lion"]) expect(isRegistered("optimizer", n)).toBe(true);
    const p = makeParam();
    const opt = resolve("optimizer", "sgd")([p], { lr: 0.1 });
    backwardQuadratic(p);
    opt.step();
    expectClose(Array.from(p.data()), P0.map((x, i) => x - 0.1 * (A[i] * x + B[i])));
    expect(() => resolve("optimizer", "adma")).toThrow(/did you mean "adam"/);
    expect(() => resolve("optimizer", "adma")).toThrow(RegistryError);
  });
});

describe("bad input", () => {
  it("rejects a negative learning rate, in defaults, groups and later edits", () => {
    expect(() => sgd([makeParam()], { lr: -0.1 })).toThrow(ValueError);
    expect(() => sgd([makeParam()], { lr: -0.1 })).toThrow("sgd: invalid learning rate; expected a finite number >= 0, got -0.1");
    expect(() => adam([{ params: [makeParam()], lr: -1 }])).toThrow(/adam: parameter group 0: invalid learning rate/);
    const p = makeParam();
    const opt = adam([p]);
    opt.paramGroups[0].lr = Number.NaN;
    backwardQuadratic(p);
    expect(() => opt.step()).toThrow(ValueError);
  });

  it("rejects a parameter listed twice, across groups or within one", () => {
    const p = makeParam();
    expect(() => sgd([{ params: [p] }, { params: [p] }])).toThrow(ValueError);
    expect(() => sgd([{ params: [p] }, { params: [p] }])).toThrow(/parameter group 1: parameter 0 \(float64 tensor \[3\]\) is listed in group 0 too/);
    expect(() => sgd([p, p])).toThrow(/listed twice in this group/);
  });

  it("rejects unknown and ill-typed settings and out-of-range values", () => {
    expect(() => sgd([makeParam()], { learningRate: 0.1 } as never)).toThrow(/sgd: unknown setting "learningRate" in options; known: lr, momentum/);
    expect(() => adam([makeParam()], { betas: [0.9, 1.5] })).toThrow(/adam: invalid betas\[1\]; expected a number in \[0, 1\), got 1.5/);
    expect(() => adam([makeParam()], { betas: 0.9 } as never)).toThrow(/invalid betas; expected a list of 2 numbers, got 0.9/);
    expect(() => sgd([makeParam()], { nesterov: true })).toThrow(/Nesterov momentum needs momentum > 0/);
    expect(() => rmsprop([makeParam()], { eps: -1 })).toThrow(ValueError);
  });

  it("rejects bad parameter lists", () => {
    expect(() => sgd([])).toThrow(/empty parameter list/);
    expect(() => sgd([tensor([1], { dtype: "int32" })])).toThrow(/expected a float32 or float64 tensor, got a int32 tensor \[1\]/);
    const leaf = makeParam();
    expect(() => sgd([leaf.mul(2)])).toThrow(/only leaf tensors can be optimized/);
    expect(() => sgd(null as never)).toThrow(ValueError);
    expect(() => sgd({ parameters: () => [] } as never)).toThrow(/for a model, pass model.parameters\(\)/);
  });

  it("rejects a state dict for another layout", () => {
    const p = makeParam();
    const opt = adam([p]);
    run(opt, p, 1);
    const saved = opt.stateDict();
    expect(() => { adam([{ params: [makeParam()] }, { params: [makeParam()] }]).loadStateDict(saved); }).toThrow(/expected 2 parameter groups, got 1/);
    const other = adam([tensor([1, 2], { dtype: "float64", requiresGrad: true })]);
    expect(() => { other.loadStateDict(saved); }).toThrow(/buffer "expAvg" of parameter 0; expected \[2\], got \[3\]/);
  });
});
