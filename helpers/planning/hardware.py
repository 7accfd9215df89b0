"""Accelerators, model FLOP utilisation and the budget they give (Chapter 7, notebook 07a).

A budget is ``GPUs x hours x 3600 x peak x MFU`` FLOPs, where ``peak`` is the datasheet's dense
throughput at the chosen precision and MFU (model FLOP utilisation) the share of it a real run turns
into model FLOPs. A price per GPU-hour, always the caller's, turns GPU-hours into money.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from helpers.names import lookup
from helpers.planning._checks import check_positive

SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class Accelerator:
    """One accelerator's datasheet: peak dense throughput per precision, in FLOP/s (Chapter 7,
    notebook 07a).

    Attributes:
        name: the product, e.g. ``"NVIDIA H100 SXM"``.
        peak_flops: dense (not 2:4-sparse) peak FLOP/s by precision, e.g. ``{"bf16": 989.5e12}``.
        source: where the numbers come from, and how a dense figure was derived from it.
        default_precision: the precision a plan assumes unless told otherwise (``"fp16"`` on the
            V100, which has no BF16; ``"bf16"`` elsewhere).
    """

    name: str
    peak_flops: Mapping[str, float]
    source: str
    default_precision: str = "bf16"


ACCELERATORS: dict[str, Accelerator] = {
    "V100": Accelerator(
        name="NVIDIA V100 SXM2",
        peak_flops={"fp16": 125e12},
        default_precision="fp16",
        source=(
            "NVIDIA V100 datasheet: 'Tensor Performance 125 TFLOPS' (SXM2, FP16 "
            "tensor cores; V100 has no BF16), images.nvidia.com/content/technologies/"
            "volta/pdf/volta-v100-datasheet-update-us-1165301-r5.pdf"
        ),
    ),
    "A100": Accelerator(
        name="NVIDIA A100 SXM",
        peak_flops={"bf16": 312e12, "fp16": 312e12, "tf32": 156e12},
        source=(
            "NVIDIA A100 datasheet: BFLOAT16 and FP16 Tensor Core 312 TFLOPS, "
            "TF32 Tensor Core 156 TFLOPS (dense; twice that 'with sparsity'), "
            "www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/"
            "nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf"
        ),
    ),
    "H100": Accelerator(
        name="NVIDIA H100 SXM",
        peak_flops={
            "bf16": 1979e12 / 2,
            "fp16": 1979e12 / 2,
            "tf32": 989e12 / 2,
            "fp8": 3958e12 / 2,
        },
        source=(
            "NVIDIA H100 datasheet, the specification table of "
            "www.nvidia.com/en-us/data-center/h100/ (H100 SXM): BFLOAT16 and FP16 "
            "Tensor Core 1,979, TF32 989 and FP8 3,958 teraFLOPS, each marked "
            "'with sparsity'; dense is half of each"
        ),
    ),
}
"""Accelerators the planner knows, by short name (Chapter 7, notebook 07a)."""

DEFAULT_MFU = 0.40
"""The model FLOP utilisation a plan assumes unless told otherwise, **as a share of the BF16 (or
FP16) dense peak** (Chapter 7, notebook 07a).

Measured on large dense BF16 runs: Llama 3 405B reached 38-43% of the BF16 peak on up to 16,384 H100s
(Grattafiori et al. 2024), PaLM 540B 46.2% on 6,144 TPU v4 chips (Chowdhery et al. 2022, where the
term was introduced; GPT-3 reached 21.3% by the same measure). 40% is the middle of the H100 range;
a small team's first run may get less, so set your own. It is applied only at the precisions in
:data:`DEFAULT_MFU_PRECISIONS`: no run cited here measured a share of an FP8 or TF32 peak, so a plan
at those precisions must state its own MFU.
"""

DEFAULT_MFU_PRECISIONS = ("bf16", "fp16")
"""The precisions :data:`DEFAULT_MFU` was measured at (FP16 has the same peak as BF16 on the A100
and H100) (Chapter 7)."""


# --------------------------------------------------------------------------- hardware and money


@dataclass(frozen=True)
class Budget:
    """A training budget on one kind of accelerator (Chapter 7, notebook 07a).

    Attributes:
        accelerator, precision: what the run uses, and ``peak_flops`` its dense FLOP/s per GPU.
        n_gpus, hours, mfu: the cluster, the wall-clock time and the model FLOP utilisation.
        flops: ``n_gpus * hours * 3600 * peak_flops * mfu``, the model FLOPs the run can spend.
        gpu_hours: ``n_gpus * hours``.
        price_per_gpu_hour, cost: the caller's price and ``gpu_hours * price`` (``None`` if unpriced).
    """

    accelerator: str
    precision: str
    peak_flops: float
    n_gpus: int
    hours: float
    mfu: float
    flops: float
    gpu_hours: float
    price_per_gpu_hour: float | None = None
    cost: float | None = None

    def gpu_hours_for(self, flops: float) -> float:
        """The GPU-hours these GPUs, at this peak and MFU, take to spend ``flops`` model FLOPs,
        ``flops / (3600 * peak * mfu)`` (Chapter 7)."""
        return flops / (SECONDS_PER_HOUR * self.peak_flops * self.mfu)

    @property
    def price_per_flop(self) -> float | None:
        """Money per model FLOP, ``price / (3600 * peak * mfu)`` (Chapter 7); ``None`` if unpriced."""
        if self.price_per_gpu_hour is None:
            return None
        return self.price_per_gpu_hour / (
            SECONDS_PER_HOUR * self.peak_flops * self.mfu
        )


def get_accelerator(name: str) -> Accelerator:
    """The accelerator called ``name`` (``"V100"``, ``"A100"``, ``"H100"``) (Chapter 7, notebook 07a)."""
    return lookup(ACCELERATORS, name, "accelerator")


def training_budget(
    gpu: str,
    n_gpus: int,
    hours: float,
    *,
    precision: str | None = None,
    mfu: float | None = None,
    price_per_gpu_hour: float | None = None,
) -> Budget:
    """The FLOPs (and, given a price, the money) of ``n_gpus`` of ``gpu`` for ``hours`` (Chapter 7,
    notebook 07a): ``C = n_gpus x hours x 3600 x peak[precision] x mfu``.

    ``precision`` defaults to the accelerator's own (``fp16`` on the V100, ``bf16`` elsewhere).
    ``mfu`` defaults to :data:`DEFAULT_MFU`, a share of the BF16 peak measured on BF16 runs, and
    only at ``bf16`` or ``fp16``; at ``fp8`` or ``tf32`` it must be given.

    Raises ``ValueError`` for an unknown accelerator or precision, a non-positive count, duration or
    price, an MFU outside (0, 1], or a missing MFU at a precision without a default.
    """
    accelerator = get_accelerator(gpu)
    precision = accelerator.default_precision if precision is None else precision
    peak = lookup(
        accelerator.peak_flops,
        precision,
        "precision",
        hint=f" (the {gpu} datasheet gives no other dense figure)",
    )
    if mfu is None:
        if precision not in DEFAULT_MFU_PRECISIONS:
            raise ValueError(
                f"mfu must be given at precision {precision!r}: the default "
                f"{DEFAULT_MFU:.0%} is a share of the BF16 peak measured on BF16 runs, "
                f"and no published run gives the share of a {precision} peak; "
                f"measure your own"
            )
        mfu = DEFAULT_MFU
    if (
        isinstance(n_gpus, bool)
        or not isinstance(n_gpus, (int, np.integer))
        or n_gpus < 1
    ):
        raise ValueError(
            f"n_gpus must be a whole number of GPUs, at least 1; got {n_gpus!r}"
        )
    hours = check_positive(
        hours, "hours", "give the run's wall-clock length, e.g. 24 * 14"
    )
    if not (isinstance(mfu, (int, float)) and 0 < mfu <= 1):
        raise ValueError(
            f"mfu must lie in (0, 1], got {mfu!r}; large dense runs reach about 0.4 "
            f"(DEFAULT_MFU = {DEFAULT_MFU})"
        )
    gpu_hours = float(n_gpus) * hours
    cost = None
    if price_per_gpu_hour is not None:
        price_per_gpu_hour = check_positive(
            price_per_gpu_hour,
            "price_per_gpu_hour",
            "pass your own price per GPU-hour",
        )
        cost = gpu_hours * price_per_gpu_hour
    return Budget(
        accelerator=gpu,
        precision=precision,
        peak_flops=peak,
        n_gpus=int(n_gpus),
        hours=hours,
        mfu=float(mfu),
        flops=gpu_hours * SECONDS_PER_HOUR * peak * mfu,
        gpu_hours=gpu_hours,
        price_per_gpu_hour=price_per_gpu_hour,
        cost=cost,
    )
