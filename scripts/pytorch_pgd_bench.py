#!/usr/bin/python3
"""PyTorch peer of `stream-pipeline bench`'s bare loop: the same targeted L2 PGD as the D_det construction.

Per batch, as src/StreamPipeline.Attacks does it (PgdAttack, L2Step, TargetedCrossEntropy, DeterministicTarget,
TargetedPerturbation): target t = (y + 1) mod C; no random start; `steps` iterations of per-example cross-entropy
toward t, input gradient by torch.autograd.grad, step x - step_size * g / ||g||_2 (per example), projection onto the
L2 eps-ball around x and onto [0,1]; the best iterate per example (lowest loss) is kept, including after a final
forward; then one more forward to check success. Model in eval mode, no parameter gradients.

Prints one JSON line; img_pgd_steps_per_s = images * steps / seconds, over the timed batches only (after a warm-up
batch), as bench counts it. Run with Debian's Python: /usr/bin/python3 scripts/pytorch_pgd_bench.py --arch small-cnn

The levers stream-pipeline applies to its own attack loop exist here too: --fold-bn folds each eval-mode batch-norm
into the convolution before it (torch.nn.utils.fusion.fuse_conv_bn_eval), --channels-last runs the model and its input
in NHWC memory order, --inplace runs the ReLUs and residual adds in place (small-cnn: max-pool, then ReLU). The JSON says which BLAS library the process loaded (Debian's torch links libblas.so.3: the
reference BLAS, or OpenBLAS when libopenblas0 is installed and selected by update-alternatives or LD_LIBRARY_PATH).

With --train it times `stream-pipeline train`'s recipe instead (src/StreamPipeline.Models/Trainer.cs): one epoch over the
images in a seeded random order, batches of --batch-size, cross-entropy, Adam (lr --lr, no weight decay), the batch loss
read back every step and the correct predictions counted, timed from the first step as train times itself (no
warm-up). The model trains (train mode, parameter gradients); --channels-last and --inplace apply, --fold-bn does not
(folding is for eval mode only). Prints img_per_s = images / seconds.
"""

import argparse
import gzip
import json
import os
import platform
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.fusion import fuse_conv_bn_eval

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_models  # noqa: E402

TINY_NORM = 1e-12  # PerExample.TinyNorm: a zero gradient makes a zero step, not NaN


def per_example_norm(t):
    return torch.linalg.vector_norm(t.flatten(1), 2, dim=1).view(-1, *([1] * (t.dim() - 1)))


def normalize(t):
    return t / per_example_norm(t).clamp_min(TINY_NORM)


def project(x, origin, eps):
    delta = x - origin
    factor = (eps / per_example_norm(delta).clamp_min(TINY_NORM)).clamp_max(1.0)
    return (origin + delta * factor).clamp(0.0, 1.0)


def keep_better(best, best_loss, x, loss):
    if best is None:
        return x.detach().clone(), loss.clone()
    improved = loss < best_loss  # targeted: minimise
    mask = improved.view(-1, *([1] * (x.dim() - 1)))
    return torch.where(mask, x.detach(), best), torch.where(improved, loss, best_loss)


def targeted_pgd(model, x0, targets, steps, eps, step_size):
    x = x0.detach().clone()
    best, best_loss = None, None
    for _ in range(steps):
        xi = x.detach().requires_grad_(True)
        loss = F.cross_entropy(model(xi), targets, reduction="none")
        (grad,) = torch.autograd.grad(loss.sum(), xi)
        best, best_loss = keep_better(best, best_loss, x, loss.detach())
        with torch.no_grad():
            x = project(x - normalize(grad) * step_size, x0, eps)
    with torch.no_grad():
        final_loss = F.cross_entropy(model(x), targets, reduction="none")
    best, best_loss = keep_better(best, best_loss, x, final_loss)
    with torch.no_grad():
        success = model(best).argmax(1) == targets
    return best, success


def train_epoch(model, optimizer, x, y, batch_size, generator):
    """One epoch as Trainer.Train runs it; returns the mean loss and accuracy."""
    order = torch.randperm(len(x), generator=generator)
    loss_sum, correct = 0.0, 0
    for i in range(0, len(x), batch_size):
        index = order[i:i + batch_size]
        xb, yb = x[index], y[index]
        optimizer.zero_grad()
        logits = model(xb)
        loss = F.cross_entropy(logits, yb)
        loss_value = loss.item()
        loss.backward()
        optimizer.step()
        loss_sum += loss_value * len(index)
        correct += int((logits.argmax(1) == yb).sum())
    return loss_sum / len(x), correct / len(x)


def fold_batch_norm(module):
    """Folds every eval-mode BatchNorm2d into the Conv2d before it, in place: a convN/bnN attribute pair, or a conv then a
    batch-norm inside a Sequential (the projection shortcuts); the batch-norm becomes an Identity."""
    for child in module.children():
        fold_batch_norm(child)
    if isinstance(module, nn.Sequential):
        for i in range(len(module) - 1):
            if isinstance(module[i], nn.Conv2d) and isinstance(module[i + 1], nn.BatchNorm2d):
                module[i] = fuse_conv_bn_eval(module[i], module[i + 1])
                module[i + 1] = nn.Identity()
        return
    for name, child in list(module.named_children()):
        if isinstance(child, nn.BatchNorm2d) and name.startswith("bn"):
            conv = getattr(module, "conv" + name[2:], None)
            if isinstance(conv, nn.Conv2d):
                setattr(module, "conv" + name[2:], fuse_conv_bn_eval(conv, child))
                setattr(module, name, nn.Identity())


def loaded_blas():
    """The BLAS library this process mapped, resolved through the alternatives' symlinks."""
    paths = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if "blas" in os.path.basename(path):
                paths.add(os.path.realpath(path))
    if any("openblas" in p for p in paths):
        return "OpenBLAS (" + ", ".join(sorted(p for p in paths if "openblas" in p)) + ")"
    if paths:
        return "reference BLAS (" + ", ".join(sorted(paths)) + ")"
    return "none loaded"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_images(arch, count, root, seed, shape=None, classes=10):
    """Fashion-MNIST training images (1x28x28) for small-cnn; seeded random 3x32x32 images for the ResNets; seeded
    random images of `shape` (C,H,W) when given (PGD's cost does not depend on the pixel values)."""
    if shape is not None:
        generator = torch.Generator().manual_seed(seed)
        x = torch.rand(count, *shape, generator=generator)
        y = torch.randint(0, classes, (count,), generator=generator)
        return x, y, tuple(shape), "random %dx%dx%d" % tuple(shape)
    if arch == "small-cnn":
        images = read_idx(os.path.join(root, "train-images-idx3-ubyte.gz"))[:count]
        labels = read_idx(os.path.join(root, "train-labels-idx1-ubyte.gz"))[:count]
        x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
        return x, torch.from_numpy(labels.astype(np.int64)), (1, 28, 28), "fashion-mnist:train"
    generator = torch.Generator().manual_seed(seed)
    x = torch.rand(count, 3, 32, 32, generator=generator)
    y = torch.randint(0, classes, (count,), generator=generator)
    return x, y, (3, 32, 32), "random 3x32x32"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", choices=["small-cnn", "resnet18", "resnet50"], default="small-cnn")
    parser.add_argument("--weights", help="state_dict written by `stream-pipeline export-model` (random weights if absent)")
    parser.add_argument("--images", type=int, default=2048)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--eps", type=float, default=4.0)
    parser.add_argument("--step-size", type=float, default=0.3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--data-root", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--warmup-images", type=int, default=4, help="images of the untimed warm-up call (default 4)")
    parser.add_argument("--warmup-steps", type=int, default=2, help="PGD steps of the warm-up call (default 2, at most --steps)")
    parser.add_argument("--shape", help="C,H,W: seeded random images of this shape instead of the architecture's default data")
    parser.add_argument("--fold-bn", action="store_true", help="fold each eval-mode batch-norm into the convolution before it")
    parser.add_argument("--channels-last", action="store_true", help="model and input in channels_last (NHWC) memory order")
    parser.add_argument("--inplace", action="store_true", help="ReLUs and residual adds in place (torchvision's inplace=True; small-cnn pools first)")
    parser.add_argument("--train", action="store_true", help="time one training epoch (train's recipe) instead of PGD")
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate with --train (default 1e-3, as train)")
    args = parser.parse_args()
    if args.train and args.fold_bn:
        parser.error("--fold-bn is for eval mode; it does not apply to --train")
    shape = tuple(int(v) for v in args.shape.split(",")) if args.shape else None

    torch_models.INPLACE = args.inplace
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x, y, shape, data = load_images(args.arch, args.images, args.data_root, args.seed, shape, args.classes)
    model = torch_models.create(args.arch, shape, args.classes, normalize=True)
    if args.weights:
        model.load_state_dict(torch.load(args.weights), strict=True)
    if args.train:
        return train_main(args, model, x, y, data)
    model.eval()
    levers = ["inplace"] if args.inplace else []
    if args.fold_bn:
        fold_batch_norm(model)
        levers.append("fold-bn")
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
        levers.append("channels-last")
    for p in model.parameters():
        p.requires_grad_(False)  # input gradients only, as PgdAttack
    targets = (y + 1) % args.classes  # DeterministicTarget

    batches = [(x[i:i + args.batch_size], targets[i:i + args.batch_size]) for i in range(0, len(x), args.batch_size)]
    # First calls set up thread pools and allocators; not timed. stream-pipeline bench warms up on a full batch for one
    # step (--warmup-images BATCH --warmup-steps 1), as it warms its own phases: the first full-size batch costs more.
    warm = min(len(x), args.warmup_images)
    targeted_pgd(model, x[:warm], targets[:warm], min(args.steps, args.warmup_steps), args.eps, args.step_size)

    successes = 0
    started = time.perf_counter()
    cpu_started = time.process_time()
    for xb, tb in batches:
        _, success = targeted_pgd(model, xb, tb, args.steps, args.eps, args.step_size)
        successes += int(success.sum())
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started

    print(json.dumps({
        **run_header(args, len(x), data),
        "steps": args.steps,
        "eps": args.eps,
        "step_size": args.step_size,
        "threads": torch.get_num_threads(),
        "seconds": round(elapsed, 3),
        "cpu_seconds": round(cpu, 3),
        "img_pgd_steps_per_s": round(len(x) * args.steps / elapsed, 1),
        "attack_success": round(successes / len(x), 4),
        "python": platform.python_version(),
        "levers": ",".join(levers) or "none",
        "blas": loaded_blas(),
        "glibc_tunables": os.environ.get("GLIBC_TUNABLES", ""),
    }))


def run_header(args, images, data):
    """The fields every report starts with: what ran, on what."""
    return {
        "engine": f"pytorch {torch.__version__}",
        "arch": args.arch,
        "data": data,
        "weights": args.weights or "random",
        "images": images,
        "batch_size": args.batch_size,
    }


def train_main(args, model, x, y, data):
    levers = ["inplace"] if args.inplace else []
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
        levers.append("channels-last")
    model.train()
    generator = torch.Generator().manual_seed(args.seed)
    # No warm-up: `stream-pipeline train` times its epochs from the first step too (its train_seconds).
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    started = time.perf_counter()
    cpu_started = time.process_time()
    loss, accuracy = train_epoch(model, optimizer, x, y, args.batch_size, generator)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    print(json.dumps({
        "task": "train",
        **run_header(args, len(x), data),
        "lr": args.lr,
        "threads": torch.get_num_threads(),
        "seconds": round(elapsed, 3),
        "cpu_seconds": round(cpu, 3),
        "img_per_s": round(len(x) / elapsed, 1),
        "loss": round(loss, 4),
        "accuracy": round(accuracy, 4),
        "python": platform.python_version(),
        "levers": ",".join(levers) or "none",
        "blas": loaded_blas(),
        "glibc_tunables": os.environ.get("GLIBC_TUNABLES", ""),
    }))


if __name__ == "__main__":
    main()
