"""PyTorch peer of bench/models.ts: the same ResNet-20 / small CNN / DCGAN training steps.

Run by bench/train_step.ts with /usr/bin/python3 (Debian python3-torch). Prints one JSON line per
model and precision: {"backend": "pytorch", "precision": "fp32" | "bf16", "model": ..., "msPerStep": ...}.
bf16 is PyTorch's CPU mixed precision: the forward pass and the loss under
torch.autocast("cpu", dtype=torch.bfloat16), fp32 weights and optimizer, backward outside autocast.
"""
import contextlib
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.stride, self.extra = stride, cout - cin

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x[:, :, :: self.stride, :: self.stride]
        if self.extra > 0:
            s = F.pad(s, (0, 0, 0, 0, self.extra // 2, self.extra - self.extra // 2))
        return F.relu(y + s)


class ResNet(nn.Module):
    def __init__(self, depth=20, classes=10):
        super().__init__()
        n = (depth - 2) // 6
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        layers, cin = [], 16
        for stage, cout in enumerate([16, 32, 64]):
            for b in range(n):
                layers.append(Block(cin, cout, 2 if stage > 0 and b == 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*layers)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        return self.fc(self.blocks(self.stem(x)).mean((2, 3)))


class SmallCnn(nn.Module):
    def __init__(self, width=32, stages=3, classes=10):
        super().__init__()
        layers, cin = [], 3
        for s in range(stages):
            if s > 0:
                layers.append(nn.MaxPool2d(2))
            cout = width * 2 ** s
            layers += [nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
            cin = cout
        self.body = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        return self.fc(self.body(x).mean((2, 3)))


def generator(z_dim=100, base=64):
    return nn.Sequential(
        nn.Linear(z_dim, 4 * 4 * base * 4, bias=False), nn.Unflatten(1, (base * 4, 4, 4)), nn.BatchNorm2d(base * 4), nn.ReLU(),
        nn.ConvTranspose2d(base * 4, base * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(base * 2), nn.ReLU(),
        nn.ConvTranspose2d(base * 2, base, 4, 2, 1, bias=False), nn.BatchNorm2d(base), nn.ReLU(),
        nn.ConvTranspose2d(base, 3, 4, 2, 1, bias=False), nn.Tanh())


def discriminator(base=64):
    return nn.Sequential(
        nn.Conv2d(3, base, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
        nn.Conv2d(base, base * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(base * 2), nn.LeakyReLU(0.2),
        nn.Conv2d(base * 2, base * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(base * 4), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(4 * 4 * base * 4, 1))


def autocast(precision):
    return torch.autocast("cpu", dtype=torch.bfloat16) if precision == "bf16" else contextlib.nullcontext()


def classifier_step(model, batch, precision):
    x = torch.randn(batch, 3, 32, 32)
    y = torch.randint(0, 10, (batch,))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)

    def step():
        opt.zero_grad()
        with autocast(precision):
            loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        loss.item()
    return step


def dcgan_step(batch, precision):
    g, d = generator(), discriminator()
    og = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999))
    od = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
    real = torch.rand(batch, 3, 32, 32) * 2 - 1
    ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)
    bce = F.binary_cross_entropy_with_logits

    def step():
        z = torch.randn(batch, 100)
        od.zero_grad()
        with autocast(precision):
            loss_d = bce(d(real).float(), ones) + bce(d(g(z).detach()).float(), zeros)
        loss_d.backward()
        od.step()
        og.zero_grad()
        with autocast(precision):
            loss_g = bce(d(g(z)).float(), ones)
        loss_g.backward()
        og.step()
        loss_d.item(), loss_g.item()
    return step


def main():
    models = sys.argv[1].split(",")
    batch, steps = int(sys.argv[2]), int(sys.argv[3])
    precisions = (sys.argv[4] if len(sys.argv) > 4 else "fp32").split(",")
    torch.set_num_threads(2)
    torch.manual_seed(0)
    factories = {
        "resnet20": lambda p: classifier_step(ResNet(20), batch, p),
        "smallcnn": lambda p: classifier_step(SmallCnn(), batch, p),
        "dcgan": lambda p: dcgan_step(batch, p),
    }
    for name, precision in [(m, p) for m in models for p in precisions]:
        step = factories[name](precision)
        for _ in range(2):
            step()
        times = []
        for _ in range(steps):
            t0 = time.perf_counter()
            step()
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        print(json.dumps({"backend": "pytorch", "threads": torch.get_num_threads(), "precision": precision, "model": name,
                          "msPerStep": times[len(times) // 2], "steps": steps, "version": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
