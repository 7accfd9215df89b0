"""How each model family is trained: one fixed, versioned recipe per family, side by side (Chapter 3).

Every recipe is AdamW (Loshchilov & Hutter's Adam with decoupled weight decay) with a linear warm-up of
the learning rate over ``warmup_steps`` and a cosine decay to a tenth of the peak over the rest of the
run; the number of steps grows with the data, ``epochs * n_train / batch_size``, clamped to
``[min_steps, max_steps]``. A recipe's ``version`` changes whenever the numbers do, so that results made
with an older recipe are never mixed with new ones (:class:`helpers.sweep.RunSpec` hashes it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from helpers.names import lookup


@dataclass(frozen=True)
class Recipe:
    """How every run of a family is trained (Chapter 3); ``version`` changes whenever the numbers do.

    ``beta2`` is AdamW's second-moment decay; ``grad_clip`` the largest gradient norm of a step (for
    models trained one at a time); ``context`` the tokens per training sequence of a language model,
    whose "examples" in :meth:`steps_for` are sequences of ``context`` tokens. Weight decay applies to
    weight matrices and convolution kernels, not to biases, norms or embeddings.

    ``checkpoints`` is how many log-spaced steps the validation and test losses are measured at.
    ``patience`` (``None``: never) stops a run that is clearly over-fitting: once, for every model of
    the stack, ``patience`` checkpoints since its best have had a validation loss more than
    ``stop_tolerance`` (a fraction) above that best, and never before ``stop_after`` (a fraction) of the
    planned steps. A run stopped so is past its best, and the rest of it would change none of the
    early-stopped numbers; the tolerance and the late start keep a noisy validation loss early in
    training (a bump of several percent at a high learning rate) from stopping a run that would
    still have improved. The learning-rate schedule still runs over the planned ``steps_for`` steps, so
    a run stopped early trains exactly as the same run would have, up to the step it stopped at.
    """

    name: str
    version: int
    learning_rate: float
    weight_decay: float
    batch_size: int
    warmup_steps: int
    epochs: float
    min_steps: int
    max_steps: int
    beta2: float = 0.999
    grad_clip: float | None = None
    context: int | None = None
    checkpoints: int = 12
    patience: int | None = None
    stop_tolerance: float = 0.05
    stop_after: float = 0.25

    def steps_for(self, n_examples: int) -> int:
        """``epochs * n_examples / batch_size``, clamped to ``[min_steps, max_steps]``."""
        return int(
            min(
                self.max_steps,
                max(
                    self.min_steps,
                    math.ceil(self.epochs * n_examples / self.batch_size),
                ),
            )
        )

    @property
    def units_per_step(self) -> int:
        """Training units in one step: ``batch_size`` images, or ``batch_size * context`` tokens."""
        return self.batch_size * (self.context or 1)

    def scaled(self, step_scale: float) -> Recipe:
        """The same recipe with ``min_steps``, ``max_steps`` and ``warmup_steps`` multiplied by
        ``step_scale`` (at least 1 each): shorter runs for the ``smoke`` and ``workshop`` profiles."""
        if step_scale == 1.0:
            return self
        if not step_scale > 0:
            raise ValueError(f"step_scale must be positive, got {step_scale}")
        return replace(
            self,
            min_steps=max(1, round(self.min_steps * step_scale)),
            max_steps=max(1, round(self.max_steps * step_scale)),
            warmup_steps=max(1, round(self.warmup_steps * step_scale)),
        )

    def learning_rate_at(self, step: int, total_steps: int) -> float:
        """Linear warm-up over ``warmup_steps``, then cosine decay to ``learning_rate / 10`` at the end."""
        if step < self.warmup_steps:
            return self.learning_rate * (step + 1) / self.warmup_steps
        progress = (step - self.warmup_steps) / max(
            1, total_steps - self.warmup_steps
        )
        return self.learning_rate * (
            0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
        )


MLP_RECIPE = Recipe(
    name="mlp-mnist",
    version=1,
    learning_rate=2e-3,
    weight_decay=0.0,
    batch_size=128,
    warmup_steps=50,
    epochs=20.0,
    min_steps=1_000,
    max_steps=4_000,
)
"""AdamW 2e-3, no weight decay, batch 128, warm-up 50 steps, 20 epochs clamped to 1,000-4,000 steps
(Chapter 3's sweeps)."""

MLP_LONG_RECIPE = Recipe(
    name="mlp-mnist-long",
    version=2,
    learning_rate=2e-3,
    weight_decay=0.0,
    batch_size=128,
    warmup_steps=50,
    epochs=20.0,
    min_steps=1_000,
    max_steps=10_000,
    checkpoints=24,
    patience=2,
)
""":data:`MLP_RECIPE` without its step cap (20 epochs clamped to 1,000-10,000 steps), with 24
checkpoints, stopped once 2 checkpoints since the best are more than 5% above it, never before a
quarter of the run (Chapter 4's sweep). :data:`MLP_RECIPE` capped runs at 4,000 steps (9.3 epochs of
55,000 images), and 13 of Chapter 3's 14 runs on 55,000 images still had their lowest validation loss
at their last step: their loss measured the cap as much as the model and the data. Version 1 stopped
after any 2 checkpoints without a new best: a width-512 run on 55,000 images stopped at step 809 of
8,594 on a bump of validation noise (0.116, 0.126, 0.117) with an early-stopped test loss of 0.132,
where the other seed, not stopped, reached 0.071."""

CNN_RECIPE = Recipe(
    name="cnn-cifar10",
    version=3,
    learning_rate=2e-3,
    weight_decay=0.0,
    batch_size=128,
    warmup_steps=100,
    epochs=40.0,
    min_steps=1_500,
    max_steps=8_000,
    checkpoints=24,
    patience=2,
)
"""AdamW 2e-3, no weight decay, batch 128, warm-up 100 steps, 40 epochs clamped to 1,500-8,000 steps,
24 checkpoints, stopped once 2 checkpoints since the best are more than 5% above it (never before a
quarter of the run). Checked at width 1 on 5,000 images: validation loss 1.43 after 772 steps and
1.35 after 1,500, still falling slowly (a learning rate of 5e-3 reached 1.28; 2e-3 is kept for the
wider networks). Version 1 (12 checkpoints, no stopping) trained width 6 on 22,500 images for 7,032
steps although its validation loss was lowest at step 1,405 and 2.5 times higher at the end;
version 2 stopped after any 2 checkpoints without a new best, which noise can trigger (see
:data:`MLP_LONG_RECIPE`)."""

TRANSFORMER_RECIPE = Recipe(
    name="transformer-shakespeare",
    version=4,
    learning_rate=2e-3,
    weight_decay=0.1,
    batch_size=32,
    warmup_steps=100,
    epochs=20.0,
    min_steps=2_000,
    max_steps=10_000,
    beta2=0.99,
    grad_clip=1.0,
    context=64,
    checkpoints=24,
    patience=2,
    stop_tolerance=0.02,
)
"""AdamW 2e-3 (beta2 0.99, weight decay 0.1 on matrices), gradient norm clipped at 1, 32 windows of 64
characters per step, warm-up 100 steps, 20 epochs (in characters) clamped to 2,000-10,000 steps,
24 checkpoints, stopped once 2 checkpoints since the best are more than 2% above it, never before a
quarter of the run. Per-character losses move by a few hundredths of a nat: 2% is about 0.05 nats,
several times the noise of a 20,000-character validation loss.

Version 3 (10 epochs clamped to 1,000-10,000 steps, 5% tolerance) left 45 of the 50 runs of Chapter 4's
grid with their lowest validation loss at their last checkpoint; this version doubles every run's
schedule. Longer or hotter was not better, measured with one block, seed 0: ``d_model`` 96 on 500,000
characters at 3e-3 for 40 epochs (9,765 steps) reached its best validation loss, 2.00, at step 4,393 and
then over-fitted (training loss 1.41), where version 3 reached 1.95 in 2,442 steps, its rate annealed;
``d_model`` 16 on 31,250 characters reached 2.57 after 4,000 steps at 2e-3 (2.49 at 4e-3, the one
setting where a hotter rate helped). :data:`TRANSFORMER_LONG_RECIPE` doubles this schedule again for a
check of whether it still limits the runs (Chapter 4, notebook 04c). Versions 1-2: 20 epochs without
stopping (too long for this machine), then a stopping rule that validation noise could trigger (see
:data:`MLP_LONG_RECIPE`)."""

TRANSFORMER_LONG_RECIPE = replace(
    TRANSFORMER_RECIPE,
    name="transformer-shakespeare-long",
    version=1,
    epochs=40.0,
    min_steps=4_000,
    max_steps=20_000,
)
""":data:`TRANSFORMER_RECIPE` with every schedule doubled (40 epochs clamped to 4,000-20,000 steps): the
sweep ``shakespeare_schedule_check`` trains a few corners of Chapter 4's grid with it, to measure how much
the standard schedule still limits them (notebook 04c)."""

RECIPES: dict[str, Recipe] = {
    recipe.name: recipe
    for recipe in (
        MLP_RECIPE,
        MLP_LONG_RECIPE,
        CNN_RECIPE,
        TRANSFORMER_RECIPE,
        TRANSFORMER_LONG_RECIPE,
    )
}
"""Every recipe by name, as a :class:`helpers.sweep.RunSpec` records it (Chapters 3-4)."""


def get_recipe(name: str, version: int | None = None) -> Recipe:
    """The recipe called ``name``; with ``version``, check that this code still has that version, so
    that a run specified under one recipe is never trained with another (Chapters 3-4)."""
    recipe = lookup(RECIPES, name, "recipe")
    if version is not None and recipe.version != version:
        raise ValueError(
            f"recipe {name!r} is at version {recipe.version} in this code, not {version}: "
            "results specified under the old version cannot be trained again with it"
        )
    return recipe
