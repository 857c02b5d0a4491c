"""PyTorch definitions of StreamPipeline's architectures, parameter for parameter.

Used by the interop tests (scripts/torch_interop.py) and the PyTorch PGD benchmark (scripts/pytorch_pgd_bench.py).
Needs only torch (Debian: python3-torch); no robustness install.

Two layouts:
- ours: what `stream-pipeline export-model` writes and `import-model` reads back — the network's own keys plus
  `mean`/`std` buffers (1xCx1x1) at the top level, applied to the [0,1] input inside forward.
- robustness (MadryLab): the bare network (no normalisation) wrapped as that library wraps it:
  AttackerModel(normalizer, model, attacker.{normalize, model}) inside DataParallel, keys `module.model.*`,
  `module.attacker.model.*`, `module.normalizer.new_mean`, ... (see robustness_wrapper below).

The ResNets follow robustness/cifar_models/resnet.py (3x3 stem, no max-pool, `shortcut` Sequential, `linear`) and
robustness/imagenet_models/resnet.py (torchvision style: 7x7 stem, max-pool, `downsample`, `fc`). One difference
from the CIFAR original: the final pool is a global average (adaptive) where robustness uses avg_pool2d(4); the two
agree for 32x32 inputs, the size those models are built for.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

ARCHITECTURES = ("small-cnn", "resnet18", "resnet50", "resnet50-imagenet")

# ReLUs and residual adds in place (torchvision's ReLU(inplace=True), `out += identity`; small-cnn pools before its
# ReLUs), as StreamPipeline's own models run them; off by default, so these stay the robustness library's definitions.
INPLACE = False


def _relu(t):
    return F.relu(t, inplace=INPLACE)


def _residual(out, identity):
    if INPLACE:
        out += identity
        return F.relu(out, inplace=True)
    return F.relu(out + identity)


class SmallCnn(nn.Module):
    """conv32-pool-conv64-pool-fc128 (= the representation) - fc(classes); StreamPipeline's `small-cnn`."""

    def __init__(self, channels, height, width, classes, normalize=True):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * (height // 4) * (width // 4), 128)
        self.fc2 = nn.Linear(128, classes)
        _normalisation_buffers(self, channels, normalize)

    def forward(self, x, with_latent=False):
        x = _normalise(self, x)
        if INPLACE:
            # As StreamPipeline's SmallCnn runs it: pool first, then ReLU in place (the two commute exactly).
            x = F.relu(F.max_pool2d(self.conv1(x), 2), inplace=True)
            x = F.relu(F.max_pool2d(self.conv2(x), 2), inplace=True)
            representation = F.relu(self.fc1(x.flatten(1)), inplace=True)
        else:
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            representation = F.relu(self.fc1(x.flatten(1)))
        logits = self.fc2(representation)
        return (logits, representation) if with_latent else logits


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = _relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return _residual(out, self.shortcut(x))


class Bottleneck(nn.Module):
    """robustness' CIFAR Bottleneck: 1x1, 3x3 (carries the stride), 1x1 x4, `shortcut` when the shape changes."""

    expansion = 4

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, 4 * planes, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(4 * planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != 4 * planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, 4 * planes, 1, stride=stride, bias=False), nn.BatchNorm2d(4 * planes))

    def forward(self, x):
        out = _relu(self.bn1(self.conv1(x)))
        out = _relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return _residual(out, self.shortcut(x))


class ImageNetBottleneck(nn.Module):
    """torchvision's (and robustness/imagenet_models') Bottleneck: the same block with `downsample` for the shortcut."""

    expansion = 4

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, 4 * planes, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(4 * planes)
        self.downsample = None
        if stride != 1 or in_planes != 4 * planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_planes, 4 * planes, 1, stride=stride, bias=False), nn.BatchNorm2d(4 * planes))

    def forward(self, x):
        out = _relu(self.bn1(self.conv1(x)))
        out = _relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return _residual(out, identity)


class ResNet(nn.Module):
    """robustness' CIFAR ResNet: 3x3 stem, no max-pool, layer1..4, global average pool (= representation), `linear`."""

    def __init__(self, block, num_blocks, classes, channels=3, normalize=True):
        super().__init__()
        self.in_planes = 64
        self.conv1 = nn.Conv2d(channels, 64, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.layer1 = self._make_layer(block, 64, num_blocks[0], 1)
        self.layer2 = self._make_layer(block, 128, num_blocks[1], 2)
        self.layer3 = self._make_layer(block, 256, num_blocks[2], 2)
        self.layer4 = self._make_layer(block, 512, num_blocks[3], 2)
        self.linear = nn.Linear(512 * block.expansion, classes)
        _normalisation_buffers(self, channels, normalize)

    def _make_layer(self, block, planes, count, stride):
        layers = []
        for s in [stride] + [1] * (count - 1):
            layers.append(block(self.in_planes, planes, s))
            self.in_planes = planes * block.expansion
        return nn.Sequential(*layers)

    def forward(self, x, with_latent=False):
        x = _normalise(self, x)
        out = _relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        representation = F.adaptive_avg_pool2d(out, 1).flatten(1)
        logits = self.linear(representation)
        return (logits, representation) if with_latent else logits


class ImageNetResNet(nn.Module):
    """torchvision-style ResNet (robustness/imagenet_models): 7x7/2 stem, 3x3/2 max-pool, `downsample`, `fc`."""

    def __init__(self, num_blocks, classes, channels=3, normalize=True):
        super().__init__()
        self.in_planes = 64
        self.conv1 = nn.Conv2d(channels, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = self._make_layer(64, num_blocks[0], 1)
        self.layer2 = self._make_layer(128, num_blocks[1], 2)
        self.layer3 = self._make_layer(256, num_blocks[2], 2)
        self.layer4 = self._make_layer(512, num_blocks[3], 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(2048, classes)
        _normalisation_buffers(self, channels, normalize)

    def _make_layer(self, planes, count, stride):
        layers = []
        for s in [stride] + [1] * (count - 1):
            layers.append(ImageNetBottleneck(self.in_planes, planes, s))
            self.in_planes = planes * 4
        return nn.Sequential(*layers)

    def forward(self, x, with_latent=False):
        x = _normalise(self, x)
        out = self.maxpool(_relu(self.bn1(self.conv1(x))))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        representation = self.avgpool(out).flatten(1)
        logits = self.fc(representation)
        return (logits, representation) if with_latent else logits


def create(arch, shape, classes, normalize=True):
    """A fresh model of StreamPipeline architecture `arch` for images of `shape` (C, H, W)."""
    channels, height, width = shape
    if arch == "small-cnn":
        return SmallCnn(channels, height, width, classes, normalize)
    if arch == "resnet18":
        return ResNet(BasicBlock, [2, 2, 2, 2], classes, channels, normalize)
    if arch == "resnet50":
        return ResNet(Bottleneck, [3, 4, 6, 3], classes, channels, normalize)
    if arch == "resnet50-imagenet":
        return ImageNetResNet([3, 4, 6, 3], classes, channels, normalize)
    raise ValueError(f"unknown architecture {arch!r}; known: {', '.join(ARCHITECTURES)}")


class InputNormalize(nn.Module):
    """robustness.helpers.InputNormalize: buffers new_mean/new_std of shape Cx1x1; clamps to [0,1] first."""

    def __init__(self, new_mean, new_std):
        super().__init__()
        self.register_buffer("new_mean", new_mean[..., None, None])
        self.register_buffer("new_std", new_std[..., None, None])

    def forward(self, x):
        return (torch.clamp(x, 0, 1) - self.new_mean) / self.new_std


class Attacker(nn.Module):
    """The part of robustness.attacker.Attacker that has state: its own normaliser and the (shared) model."""

    def __init__(self, model, mean, std):
        super().__init__()
        self.normalize = InputNormalize(mean, std)
        self.model = model


class AttackerModel(nn.Module):
    """robustness.attacker.AttackerModel's state layout: normalizer, model, attacker (holding the same model)."""

    def __init__(self, model, mean, std):
        super().__init__()
        self.normalizer = InputNormalize(mean, std)
        self.model = model
        self.attacker = Attacker(model, mean, std)

    def forward(self, x, with_latent=False):
        return self.model(self.normalizer(x), with_latent=with_latent)


def robustness_wrapper(model, mean, std):
    """The module whose state_dict robustness saves: DataParallel(AttackerModel(model, dataset))."""
    return nn.DataParallel(AttackerModel(model, torch.tensor(mean), torch.tensor(std)))


def _normalisation_buffers(module, channels, normalize):
    if normalize:
        module.register_buffer("mean", torch.zeros(1, channels, 1, 1))
        module.register_buffer("std", torch.ones(1, channels, 1, 1))


def _normalise(module, x):
    return (x - module.mean) / module.std if hasattr(module, "mean") else x
