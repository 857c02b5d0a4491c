#!/usr/bin/python3
"""The PyTorch side of the import/export tests (run with Debian's /usr/bin/python3: python3-torch, python3-dill).

make   writes a randomly initialised model in one of the layouts users bring, and a reference JSON with seeded
       inputs in [0,1] and the model's logits and representation on them (computed by PyTorch).
check  loads a state_dict written by `stream-pipeline export-model` into the module of scripts/torch_models.py with
       load_state_dict(strict=True) and prints one JSON line: its logits/representation on the reference inputs and
       the largest absolute differences from the reference.

Layouts (--layout): ours (torch_models' own module, with mean/std buffers, as export-model writes); plain (the bare
network, no normalisation: a state_dict from anyone's training script); robustness (the MadryLab library's
checkpoint: DataParallel(AttackerModel) state under 'model', plus optimizer, schedule, epoch, saved with
pickle_module=dill as robustness.train does). Formats (--format): pt (torch.save zip), pt-legacy (torch.save before
1.6), safetensors (written here from the format's description, independent of TorchSharp.PyBridge's writer).
make --set KEY[INDEX]=VALUE overwrites one element of a saved tensor (nan, inf, -inf or a number; INDEX counts the
flattened tensor), and --fill KEY=VALUE fills a whole tensor (* for every floating one): weights that are not finite,
or finite and too large.

hostile writes a small-cnn state_dict in torch.save's zip or legacy layout by hand (the pickle and the storages as
torch.save lays them out), with one tensor's storage claim or view made hostile (--kind): storage-huge (a storage of
2^40 elements), storage-negative (-5 elements), offset-negative (storage offset -3), view-out-of-range (a view
reaching past its storage).
"""

import argparse
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_models  # noqa: E402

SAFETENSORS_DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "F16": np.float16}


def parse_shape(text):
    values = tuple(int(v) for v in text.split(","))
    if len(values) != 3:
        raise SystemExit(f"--shape must be C,H,W, got {text!r}")
    return values


def randomise_batchnorm(module, generator):
    """BatchNorm statistics and affine terms away from their defaults, so a mapping that drops them shows up."""
    for m in module.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            n = m.num_features
            with torch.no_grad():
                m.weight.copy_(torch.rand(n, generator=generator) * 0.5 + 0.5)
                m.bias.copy_(torch.randn(n, generator=generator) * 0.1)
                m.running_mean.copy_(torch.randn(n, generator=generator) * 0.1)
                m.running_var.copy_(torch.rand(n, generator=generator) + 0.5)
                m.num_batches_tracked.fill_(int(torch.randint(1, 10_000, (1,), generator=generator)))


def write_safetensors(state, path):
    """safetensors: u64 little-endian header length, JSON header {name: {dtype, shape, data_offsets}}, raw data."""
    names = {np.dtype(v): k for k, v in SAFETENSORS_DTYPES.items()}
    header, blobs, offset = {}, [], 0
    for key, tensor in state.items():
        array = np.ascontiguousarray(tensor.detach().cpu().numpy())
        blob = array.tobytes()
        header[key] = {"dtype": names[array.dtype], "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    encoded = json.dumps(header).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    base = 8 + length
    state = {}
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        array = np.frombuffer(data[base + start:base + end], dtype=SAFETENSORS_DTYPES[entry["dtype"]])
        state[key] = torch.from_numpy(array.copy()).reshape(entry["shape"])
    return state


def make(args):
    shape = parse_shape(args.shape)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    channels = shape[0]
    mean = (torch.rand(channels, generator=generator) * 0.3 + 0.3).tolist()
    std = (torch.rand(channels, generator=generator) * 0.1 + 0.2).tolist()
    model = torch_models.create(args.arch, shape, args.classes, normalize=args.layout == "ours")
    randomise_batchnorm(model, generator)
    if args.layout == "ours":
        model.mean.copy_(torch.tensor(mean).view(1, channels, 1, 1))
        model.std.copy_(torch.tensor(std).view(1, channels, 1, 1))

    if args.layout == "robustness":
        wrapper = torch_models.robustness_wrapper(model, mean, std)
        # A checkpoint written during training: one SGD step gives the optimizer its momentum buffers.
        optimizer = torch.optim.SGD(wrapper.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
        schedule = torch.optim.lr_scheduler.StepLR(optimizer, step_size=50, gamma=0.1)
        wrapper.train()
        loss = torch.nn.functional.cross_entropy(
            wrapper.module(torch.rand(2, *shape, generator=generator)), torch.tensor([0, 1]))
        loss.backward()
        optimizer.step()
        schedule.step()
        randomise_batchnorm(model, generator)
        wrapper.eval()
        forward = wrapper.module
        state = wrapper.state_dict()
    else:
        model.eval()
        forward = model
        state = model.state_dict()

    for key in args.drop:  # a deliberately incomplete state_dict, for the importer's error path
        del state[key]
    for item in args.fill:  # KEY=VALUE (KEY * for every floating tensor): weights too large, yet finite
        key, value = item.split("=")
        for name in [k for k, t in state.items() if t.is_floating_point()] if key == "*" else [key]:
            state[name] = torch.full_like(state[name], float(value))
    for item in args.set:  # KEY[INDEX]=VALUE: one non-finite (or chosen) element
        target, value = item.split("=")
        key, index = target[:-1].split("[")
        tensor = state[key].clone()
        tensor.view(-1)[int(index)] = float(value)
        state[key] = tensor
    inputs = torch.rand(args.images, *shape, generator=generator)
    with torch.no_grad():
        logits, representation = forward(inputs, with_latent=True)

    if args.layout == "robustness":
        import dill  # robustness.train saves with pickle_module=dill
        checkpoint = {
            "model": state,
            "optimizer": optimizer.state_dict(),
            "schedule": schedule.state_dict(),
            "epoch": 3,
            # Something only dill can pickle (a lambda, by value): the importer must skip it, not fail.
            "lr_fn": lambda epoch: 0.1 ** (epoch // 50),
        }
        torch.save(checkpoint, args.out, pickle_module=dill,
                   _use_new_zipfile_serialization=args.format != "pt-legacy")
    elif args.format == "safetensors":
        write_safetensors(state, args.out)
    else:
        torch.save(state, args.out, _use_new_zipfile_serialization=args.format != "pt-legacy")

    with open(args.reference, "w") as f:
        json.dump({
            "arch": args.arch, "shape": list(shape), "classes": args.classes, "mean": mean, "std": std,
            "images": args.images, "inputs": inputs.flatten().tolist(),
            "logits": logits.flatten().tolist(), "representation": representation.flatten().tolist(),
        }, f)
    print(json.dumps({"out": args.out, "tensors": len(state), "bytes": os.path.getsize(args.out)}))


def check(args):
    with open(args.reference) as f:
        reference = json.load(f)
    shape = tuple(reference["shape"])
    model = torch_models.create(reference["arch"], shape, reference["classes"], normalize=True)
    if args.weights.endswith(".safetensors"):
        state = read_safetensors(args.weights)
    else:
        state = torch.load(args.weights)
    model.load_state_dict(state, strict=True)
    model.eval()
    inputs = torch.tensor(reference["inputs"], dtype=torch.float32).view(reference["images"], *shape)
    with torch.no_grad():
        logits, representation = model(inputs, with_latent=True)
    expected_logits = torch.tensor(reference["logits"]).view_as(logits)
    expected_representation = torch.tensor(reference["representation"]).view_as(representation)
    print(json.dumps({
        "keys": len(state),
        "mean": model.mean.flatten().tolist(),
        "std": model.std.flatten().tolist(),
        "max_abs_logits": float((logits - expected_logits).abs().max()),
        "max_abs_representation": float((representation - expected_representation).abs().max()),
    }))


class _Storage:
    """A storage as torch.save pickles it: by persistent id, its bytes stored apart."""

    def __init__(self, key, numel, data):
        self.key, self.numel, self.data = key, numel, data


class _Tensor:
    """A tensor as torch.save pickles it: torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)."""

    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride

    def __reduce__(self):
        import collections
        return (torch._utils._rebuild_tensor_v2,
                (self.storage, self.offset, tuple(self.size), tuple(self.stride), False, collections.OrderedDict()))


def _pickle(obj, legacy):
    import io
    import pickle

    class Pickler(pickle.Pickler):
        def persistent_id(self, value):
            if isinstance(value, _Storage):
                pid = ("storage", torch.FloatStorage, value.key, "cpu", value.numel)
                return pid + (None,) if legacy else pid
            return None

    out = io.BytesIO()
    Pickler(out, protocol=2).dump(obj)
    return out.getvalue()


def hostile(args):
    import pickle
    import zipfile
    torch.manual_seed(0)
    model = torch_models.create("small-cnn", parse_shape(args.shape), args.classes, normalize=False)
    state, storages = {}, []
    for i, (key, tensor) in enumerate(model.state_dict().items()):
        tensor = tensor.detach().contiguous().float()
        storage = _Storage(str(i), tensor.numel(), tensor.numpy().tobytes())
        view = _Tensor(storage, 0, list(tensor.shape), list(tensor.stride()))
        if key == args.key:
            if args.kind == "storage-huge":
                storage.numel = 2 ** 40
            elif args.kind == "storage-negative":
                storage.numel = -5
            elif args.kind == "offset-negative":
                view.offset = -3
            elif args.kind == "view-out-of-range":
                view.offset = tensor.numel() - 1
        state[key] = view
        storages.append(storage)

    if args.format == "pt-legacy":
        with open(args.out, "wb") as f:
            pickle.dump(0x1950a86a20f9469cfc6c, f, protocol=2)
            pickle.dump(1001, f, protocol=2)
            pickle.dump({"protocol_version": 1001, "little_endian": True,
                         "type_sizes": {"short": 2, "int": 4, "long": 4}}, f, protocol=2)
            f.write(_pickle(state, legacy=True))
            pickle.dump([s.key for s in storages], f, protocol=2)
            for s in storages:
                f.write(struct.pack("<q", s.numel))
                f.write(s.data)
    else:
        with zipfile.ZipFile(args.out, "w", zipfile.ZIP_STORED) as z:
            z.writestr("archive/data.pkl", _pickle(state, legacy=False))
            for s in storages:
                z.writestr(f"archive/data/{s.key}", s.data)
            z.writestr("archive/version", "3\n")
    print(json.dumps({"out": args.out, "kind": args.kind, "key": args.key, "bytes": os.path.getsize(args.out)}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    m = commands.add_parser("make")
    m.add_argument("--arch", required=True, choices=torch_models.ARCHITECTURES)
    m.add_argument("--layout", required=True, choices=["ours", "plain", "robustness"])
    m.add_argument("--format", default="pt", choices=["pt", "pt-legacy", "safetensors"])
    m.add_argument("--shape", required=True)
    m.add_argument("--classes", type=int, default=10)
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--images", type=int, default=4)
    m.add_argument("--out", required=True)
    m.add_argument("--reference", required=True)
    m.add_argument("--drop", action="append", default=[], help="leave this key out of the saved state_dict")
    m.add_argument("--set", action="append", default=[], help="KEY[INDEX]=VALUE: overwrite one element of a saved tensor")
    m.add_argument("--fill", action="append", default=[], help="KEY=VALUE: fill a saved tensor (* for all floating ones)")
    h = commands.add_parser("hostile")
    h.add_argument("--kind", required=True, choices=["storage-huge", "storage-negative", "offset-negative", "view-out-of-range"])
    h.add_argument("--format", default="pt", choices=["pt", "pt-legacy"])
    h.add_argument("--key", default="conv1.weight")
    h.add_argument("--shape", default="1,28,28")
    h.add_argument("--classes", type=int, default=10)
    h.add_argument("--out", required=True)
    c = commands.add_parser("check")
    c.add_argument("--weights", required=True)
    c.add_argument("--reference", required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)
    {"make": make, "check": check, "hostile": hostile}[args.command](args)


if __name__ == "__main__":
    main()
