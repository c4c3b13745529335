"""PyTorch peer of `npm run bench`: the same workloads, timing rules and data as the Node side.

Usage: python3 torch_bench.py; reads one JSON request a line on stdin, answers each with one
JSON line on stdout ({"error": "..."} on failure), until stdin closes. Requests: {"task": "matmul", "n": 256, "warmup": 2, "reps": 7, "threads": 0}
     or  {"task": "train", "model": "mlp"|"cnn", "batchSize": 128, "lr": 1e-3,
          "images": "<float32 file>", "labels": "<int32 file>", "count": 10000,
          "epochs": 4, "maxBatches": 1000000, "budgetSeconds": 10, "threads": 0}
threads 0 keeps PyTorch's default. The epoch loop mirrors bench/src/training.ts: whole batches only,
an epoch stops early after maxBatches or budgetSeconds (at least one batch), the loss is read
once per epoch, and the caller drops the first epoch.
"""
import json
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F


def matmul(req):
    n = req["n"]
    g = torch.Generator().manual_seed(1)
    a = torch.randn(n, n, generator=g)
    b = torch.randn(n, n, generator=g)
    for _ in range(req["warmup"]):
        torch.mm(a, b)
    seconds = []
    for _ in range(req["reps"]):
        t0 = time.perf_counter()
        torch.mm(a, b)
        seconds.append(time.perf_counter() - t0)
    return {"seconds": seconds}


def model_for(name):
    if name == "mlp":
        return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 10),
    )


def train(req):
    torch.manual_seed(0)
    b = req["batchSize"]
    count = req["count"]
    images = torch.from_numpy(np.fromfile(req["images"], dtype=np.float32, count=count * 784))
    labels = torch.from_numpy(np.fromfile(req["labels"], dtype=np.int32, count=count).astype(np.int64))
    shape = (b, 784) if req["model"] == "mlp" else (b, 1, 28, 28)
    batches = min(count // b, req["maxBatches"])
    xs = [images[i * b * 784:(i + 1) * b * 784].reshape(shape).clone() for i in range(batches)]
    ys = [labels[i * b:(i + 1) * b].clone() for i in range(batches)]
    model = model_for(req["model"])
    optimizer = torch.optim.Adam(model.parameters(), lr=req["lr"])
    epochs = []
    batch = 0
    for _ in range(req["epochs"]):
        t0 = time.perf_counter()
        done = 0
        loss = None
        while done < batches:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xs[batch]), ys[batch])
            loss.backward()
            optimizer.step()
            batch = (batch + 1) % batches
            done += 1
            if time.perf_counter() - t0 > req["budgetSeconds"]:
                break
        value = loss.item()
        epochs.append({"samples": done * b, "seconds": time.perf_counter() - t0, "loss": value})
    return {"epochs": epochs}


def main():
    for line in sys.stdin:
        if line.strip() == "":
            continue
        try:
            req = json.loads(line)
            if req.get("threads", 0) > 0:
                torch.set_num_threads(req["threads"])
            out = {"matmul": matmul, "train": train, "info": lambda _: {}}[req["task"]](req)
            out["torch"] = torch.__version__
            out["threads"] = torch.get_num_threads()
        except Exception as error:  # reported to the Node side as this peer's error for the case
            out = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(out), flush=True)


main()
