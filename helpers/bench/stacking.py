"""Benchmark: training K models of one shape together with ``torch.func.vmap`` against one after another.

    scaling-book bench stacking [--models 4] [--steps 10]

The MLP engine stacks its seeds by hand (one wide first layer and batched products, see
:class:`helpers.models.MLP`). For the CNN and the transformer the general tool is ``vmap`` over
``torch.func.functional_call`` with the models' weights stacked (``torch.func.stack_module_state``).
This prints, for a few sizes of each family, the time of one training step (forward, backward, fused
AdamW) for ``K`` models stacked with ``vmap`` and for the same ``K`` models trained one after another, on
identical batches, and their ratio. :mod:`helpers.train.cnn` and :mod:`helpers.train.text` train one model
at a time because on a CPU the ratio is below one for the CNN (grouped convolutions are slow) and close
to one for small transformers.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap
from torch.nn import functional as F

from helpers.models import CNN, CharTransformer, CNNConfig, TransformerConfig


def _seconds_per_step(step: Callable[[], None], steps: int) -> float:
    for _ in range(2):  # first calls allocate and pick kernels
        step()
    began = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - began) / steps


def time_stacked_and_sequential(
    make: Callable[[], nn.Module],
    inputs: torch.Tensor,
    targets: torch.Tensor,
    n_models: int,
    steps: int,
) -> tuple[float, float]:
    """Seconds per training step for ``n_models`` models made by ``make``: (vmap-stacked, one by one).
    (Chapter 3: the stacking benchmark)"""
    members = [make() for _ in range(n_models)]
    stacked, _ = stack_module_state(members)
    names = list(stacked)
    weights = [nn.Parameter(stacked[name]) for name in names]
    buffers = dict(members[0].named_buffers())
    skeleton = copy.deepcopy(members[0]).to("meta")

    def one_model(params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        return functional_call(skeleton, (params, buffers), (x,))

    batched = vmap(one_model, in_dims=(0, None))
    optimizer = torch.optim.AdamW(weights, fused=True)

    def loss(logits: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), targets.reshape(-1)
        )

    def stacked_step() -> None:
        # (K, batch, ..., classes)
        logits = batched(dict(zip(names, weights)), inputs)
        total = sum(loss(logits[k]) for k in range(n_models))
        optimizer.zero_grad()
        total.backward()
        optimizer.step()

    optimizers = [
        torch.optim.AdamW(member.parameters(), fused=True) for member in members
    ]

    def sequential_step() -> None:
        for member, member_optimizer in zip(members, optimizers):
            member_optimizer.zero_grad()
            loss(member(inputs)).backward()
            member_optimizer.step()

    return _seconds_per_step(stacked_step, steps), _seconds_per_step(
        sequential_step, steps
    )


def run_stacking_benchmark(n_models: int = 4, steps: int = 10) -> None:
    """Print the table described in the module docstring (Chapter 3: the stacking benchmark)."""
    torch.manual_seed(0)
    images, labels = torch.randn(128, 3, 32, 32), torch.randint(0, 10, (128,))
    tokens = torch.randint(0, 65, (32, 65))
    cases: list[tuple[str, Callable[[], nn.Module], torch.Tensor, torch.Tensor]] = [
        (f"CNN width {w}, batch 128", lambda w=w: CNN(CNNConfig(w)), images, labels)
        for w in (1, 2, 4)
    ] + [
        (
            f"transformer d={d}, 2 blocks, 32x64 tokens",
            lambda d=d: CharTransformer(TransformerConfig(65, d, 2, 64)),
            tokens[:, :-1],
            tokens[:, 1:],
        )
        for d in (32, 64, 128)
    ]
    print(
        f"{n_models} models per row, {steps} training steps timed, {torch.get_num_threads()} threads\n"
    )
    print(
        f"{'models':<42}{'vmap (ms/step)':>16}{'one by one':>12}{'vmap speed-up':>15}"
    )
    for label, make, x, y in cases:
        stacked_s, sequential_s = time_stacked_and_sequential(
            make, x, y, n_models, steps
        )
        print(
            f"{label:<42}{stacked_s * 1e3:>16.1f}{sequential_s * 1e3:>12.1f}{sequential_s / stacked_s:>14.2f}x"
        )
