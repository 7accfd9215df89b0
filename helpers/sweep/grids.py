"""The named sweeps: grids of training runs over model size, data size and seed, one per profile (Chapter 3)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass

from helpers.data.processing import PROCESSINGS
from helpers.names import lookup
from helpers.profiles import Profile
from helpers.train.families import FAMILIES, get_family
from helpers.train.recipes import MLP_LONG_RECIPE, TRANSFORMER_LONG_RECIPE, Recipe


@dataclass(frozen=True)
class RunSpec:
    """One training run: everything that determines its result (Chapter 3)."""

    family: str
    dataset: str
    width: int
    depth: int
    n_train: int
    seed: int
    step_scale: float
    recipe: str
    recipe_version: int
    processing: str = "none"
    order_seed: int = 0

    @property
    def key(self) -> str:
        """A stable hash of the configuration: the run's identity in a results file.

        Fields left at their default value are not hashed, so adding a field with a default never
        changes the keys of results already recorded.
        """
        fields = {
            field.name: getattr(self, field.name)
            for field in dataclasses.fields(self)
            if field.default is dataclasses.MISSING
            or getattr(self, field.name) != field.default
        }
        canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Grid:
    """The runs of a sweep under one profile: every combination of the listed values (Chapter 3)."""

    widths: tuple[int, ...]
    depths: tuple[int, ...]
    n_trains: tuple[int, ...]
    seeds: tuple[int, ...]
    step_scale: float = 1.0
    processings: tuple[str, ...] = ("none",)
    vary_order: bool = False
    """``False``: every seed sees the same batches in the same order (``order_seed`` 0), so the seeds of
    a shape train as one stack and their spread measures initialisation alone. ``True``: each seed also
    draws its own batch order (``order_seed = seed``), a truer measure of run-to-run variation."""


@dataclass(frozen=True)
class Sweep:
    """A named grid of runs of one model family, one :class:`Grid` per profile (Chapter 3).

    ``family`` is ``"mlp"`` (MNIST), ``"cnn"`` (CIFAR-10) or ``"transformer"`` (Tiny Shakespeare), see
    :mod:`helpers.train.families`. A grid's widths and depths are the family's (``RunRecord.width``),
    its data sizes count the family's unit (images or characters), and its processings are the data
    transformations of :mod:`helpers.data.processing` (MLP only).
    """

    name: str
    description: str
    grids: dict[str, Grid]
    family: str = "mlp"
    recipe: Recipe | None = None
    """How every run is trained; ``None``: the family's recipe."""

    @property
    def training_recipe(self) -> Recipe:
        """The sweep's :attr:`recipe`, or its family's when it names none."""
        return self.recipe or get_family(self.family).recipe

    def __post_init__(self) -> None:
        family = get_family(self.family)
        for profile, grid in self.grids.items():
            if not set(grid.processings) <= set(family.processings):
                raise ValueError(
                    f"sweep {self.name!r} ({profile}): processings {grid.processings} are not all "
                    f"available to the {family.name} family; choose from {family.processings}"
                )
            if family.depths is not None and not set(grid.depths) <= set(
                family.depths
            ):
                raise ValueError(
                    f"sweep {self.name!r} ({profile}): depths {grid.depths} are not the "
                    f"{family.name} family's; it has depths {family.depths}"
                )

    def runs(self, profile: Profile) -> list[RunSpec]:
        """Every run of the grid for ``profile``."""
        grid = self.grids[profile.name]
        family = FAMILIES[self.family]
        recipe = self.training_recipe
        return [
            RunSpec(
                family.name,
                family.dataset,
                width,
                depth,
                n_train,
                seed,
                grid.step_scale,
                recipe.name,
                recipe.version,
                processing,
                order_seed=seed if grid.vary_order else 0,
            )
            for processing in grid.processings
            for width in grid.widths
            for depth in grid.depths
            for n_train in grid.n_trains
            for seed in grid.seeds
        ]


SWEEPS: dict[str, Sweep] = {
    sweep.name: sweep
    for sweep in (
        Sweep(
            name="mnist_mlp",
            description="two-hidden-layer MLPs on MNIST: 7 widths x 6 data sizes (full), Chapter 3",
            grids={
                "smoke": Grid(
                    widths=(8, 16, 32, 64),
                    depths=(2,),
                    n_trains=(500, 1_000, 2_000),
                    seeds=(0,),
                    step_scale=0.05,
                ),
                "workshop": Grid(
                    widths=(8, 32, 128, 512),
                    depths=(2,),
                    n_trains=(1_718, 6_875, 27_500, 55_000),
                    seeds=(0,),
                    step_scale=0.5,
                ),
                "full": Grid(
                    widths=(8, 16, 32, 64, 128, 256, 512),
                    depths=(2,),
                    n_trains=(1_718, 3_437, 6_875, 13_750, 27_500, 55_000),
                    seeds=(0, 1),
                ),
            },
        ),
        Sweep(
            name="mnist_mlp_joint",
            description="two-hidden-layer MLPs on MNIST trained to their best: 6 widths x 5 data "
            "sizes x 2 seeds with their own batch order (full), Chapter 4",
            recipe=MLP_LONG_RECIPE,
            grids={
                "smoke": Grid(
                    widths=(8, 16, 32, 64),
                    depths=(2,),
                    n_trains=(500, 1_000, 2_000, 4_000),
                    seeds=(0,),
                    step_scale=0.05,
                ),
                "workshop": Grid(
                    widths=(8, 32, 128, 512),
                    depths=(2,),
                    n_trains=(1_718, 6_875, 27_500, 55_000),
                    seeds=(0,),
                    step_scale=0.5,
                ),
                "full": Grid(
                    widths=(8, 16, 32, 64, 128, 256),
                    depths=(2,),
                    n_trains=(1_718, 3_437, 6_875, 13_750, 27_500),
                    seeds=(0, 1),
                    vary_order=True,
                ),
            },
        ),
        Sweep(
            name="mnist_processing",
            description="width-256 MLPs on MNIST with and without augmentation or PCA features, Chapter 3",
            grids={
                "smoke": Grid(
                    widths=(32,),
                    depths=(2,),
                    n_trains=(500, 1_000, 2_000),
                    seeds=(0,),
                    step_scale=0.05,
                    processings=PROCESSINGS,
                ),
                "workshop": Grid(
                    widths=(128,),
                    depths=(2,),
                    n_trains=(1_718, 6_875, 27_500),
                    seeds=(0,),
                    step_scale=0.5,
                    processings=PROCESSINGS,
                ),
                "full": Grid(
                    widths=(256,),
                    depths=(2,),
                    n_trains=(1_718, 3_437, 6_875, 13_750, 27_500, 55_000),
                    seeds=(0, 1),
                    processings=PROCESSINGS,
                ),
            },
        ),
        Sweep(
            name="cifar_cnn",
            description="five-convolution CNNs on CIFAR-10: 5 width multipliers x 5 data sizes x 2 "
            "seeds with their own batch order (full: about 3.5 CPU-hours on 2 cores, estimated)",
            family="cnn",
            grids={
                "smoke": Grid(
                    widths=(1,),
                    depths=(5,),
                    n_trains=(256, 512),
                    seeds=(0,),
                    step_scale=0.01,
                ),
                "workshop": Grid(
                    widths=(1, 2),
                    depths=(5,),
                    n_trains=(2_812, 11_250, 45_000),
                    seeds=(0,),
                    step_scale=0.05,
                ),
                # 9,266 to 314,746 parameters (1.5 decades), 4 doublings of data; each seed
                # draws its own batch order. Sized from measured steps (0.015 s at width 1,
                # 0.09 s at width 4, 2 idle cores) to fit this machine in about 3.5 hours.
                "full": Grid(
                    widths=(1, 2, 3, 4, 6),
                    depths=(5,),
                    n_trains=(1_406, 2_812, 5_625, 11_250, 22_500),
                    seeds=(0, 1),
                    vary_order=True,
                ),
            },
        ),
        Sweep(
            name="shakespeare_transformer",
            description="one-block character-level transformers on Tiny Shakespeare: 5 widths x "
            "5 data sizes x 2 seeds with their own batch order (full), Chapter 4",
            family="transformer",
            grids={
                "smoke": Grid(
                    widths=(16, 32, 48, 64),
                    depths=(1,),
                    n_trains=(20_000, 40_000, 80_000, 160_000),
                    seeds=(0,),
                    step_scale=0.003,
                ),
                "workshop": Grid(
                    widths=(16, 32, 48, 64),
                    depths=(1,),
                    n_trains=(62_500, 125_000, 250_000, 500_000),
                    seeds=(0,),
                    step_scale=0.1,
                ),
                # 3,312 to 112,032 non-embedding parameters (1.5 decades), 4 doublings of
                # characters; each seed draws its own batch order.
                "full": Grid(
                    widths=(16, 32, 48, 64, 96),
                    depths=(1,),
                    n_trains=(31_250, 62_500, 125_000, 250_000, 500_000),
                    seeds=(0, 1),
                    vary_order=True,
                ),
            },
        ),
        Sweep(
            name="shakespeare_schedule_check",
            description="four corners of shakespeare_transformer (seed 0) trained again with every "
            "schedule doubled: how much the standard schedule still limits them, Chapter 4",
            family="transformer",
            recipe=TRANSFORMER_LONG_RECIPE,
            grids={
                "smoke": Grid(
                    widths=(16, 64),
                    depths=(1,),
                    n_trains=(20_000, 160_000),
                    seeds=(0,),
                    step_scale=0.003,
                ),
                "workshop": Grid(
                    widths=(16, 64),
                    depths=(1,),
                    n_trains=(62_500, 500_000),
                    seeds=(0,),
                    step_scale=0.1,
                ),
                "full": Grid(
                    widths=(16, 96),
                    depths=(1,),
                    n_trains=(31_250, 500_000),
                    seeds=(0,),
                    vary_order=True,
                ),
            },
        ),
    )
}


def get_sweep(name: str) -> Sweep:
    """The sweep called ``name``; a ``ValueError`` listing the sweeps otherwise (Chapter 3)."""
    return lookup(SWEEPS, name, "sweep")
