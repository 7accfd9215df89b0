"""Chapter 10's data pruning and the small training helpers of notebooks 10b and 10d: the score is the
probe's loss, the kept sets hold what they claim with equal class counts, and runs are seeded (on
synthetic images, in seconds)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from test_ch04_experiments import blobs
from torch.nn import functional as F

from helpers.data.splits import ImageSplits
from helpers.experiments import EXPERIMENTS, ch10
from helpers.models import MLPConfig
from helpers.profiles import PROFILES
from helpers.train import MLP_RECIPE, train_mlps
from helpers.train.loop import ImageTask
from helpers.train.mlp import class_errors, sequential_mlp, train_sequential


def pool(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Scores and labels of a pool of ``n`` images, in a class-balanced order like the course's."""
    rng = np.random.default_rng(seed)
    labels = np.tile(np.arange(10), n // 10)
    return rng.random(n), labels


@pytest.mark.parametrize("n_keep", [10, 55, 300, 600])
def test_pruned_sets_have_the_random_sets_class_counts(n_keep):
    scores, labels = pool()
    random = ch10.prune(scores, labels, n_keep, "random")
    assert np.array_equal(random, np.arange(n_keep))
    counts = np.bincount(labels[random], minlength=10)
    for strategy in ("hardest", "easiest"):
        kept = ch10.prune(scores, labels, n_keep, strategy)
        assert len(kept) == n_keep and len(np.unique(kept)) == n_keep
        assert np.array_equal(kept, np.sort(kept))
        assert np.array_equal(np.bincount(labels[kept], minlength=10), counts)


def test_hardest_and_easiest_keep_the_extreme_scores_of_each_class():
    scores, labels = pool()
    hardest = ch10.prune(scores, labels, 120, "hardest")
    easiest = ch10.prune(scores, labels, 120, "easiest")
    for cls in range(10):
        members = labels == cls
        in_hard = np.isin(np.arange(len(labels)), hardest) & members
        in_easy = np.isin(np.arange(len(labels)), easiest) & members
        assert scores[in_hard].min() >= scores[members & ~in_hard].max()
        assert scores[in_easy].max() <= scores[members & ~in_easy].min()
    assert np.array_equal(hardest, ch10.prune(scores, labels, 120, "hardest"))


def test_ties_are_broken_by_position_and_bad_input_is_refused():
    labels = np.zeros(10, dtype=np.int64)
    scores = np.ones(10)
    assert np.array_equal(ch10.prune(scores, labels, 3, "easiest"), [0, 1, 2])
    with pytest.raises(ValueError, match="strategy"):
        ch10.prune(scores, labels, 3, "smallest")
    with pytest.raises(ValueError, match="n_keep"):
        ch10.prune(scores, labels, 11, "hardest")
    with pytest.raises(ValueError, match="shapes"):
        ch10.prune(scores[:5], labels, 3, "hardest")


def test_the_score_is_the_probes_loss_on_the_label():
    data = blobs(200)
    torch.manual_seed(0)
    probe = sequential_mlp(MLPConfig(8, 1)).eval()
    scores = ch10.probe_scores(probe, data)
    with torch.no_grad():
        logits = probe(data.normalise(data.train_x, torch.device("cpu")))
    expected = F.cross_entropy(logits, data.train_y, reduction="none")
    assert scores.shape == (200,)
    assert np.allclose(scores, expected.numpy(), rtol=1e-5)


def test_sequential_mlp_has_the_family_shape_and_trains_reproducibly():
    config = MLPConfig(16, 2)
    torch.manual_seed(3)
    model = sequential_mlp(config)
    assert sum(p.numel() for p in model.parameters()) == config.n_params
    data = blobs(300)
    runs = []
    for _ in range(2):
        torch.manual_seed(3)
        runs.append(train_sequential(sequential_mlp(config), data, 30, seed=1))
    for a, b in zip(runs[0].parameters(), runs[1].parameters(), strict=True):
        assert torch.equal(a, b)
    errors = class_errors(runs[0], data)
    assert errors.shape == (10,) and ((0 <= errors) & (errors <= 1)).all()
    with pytest.raises(ValueError, match="steps"):
        train_sequential(model, data, 0)


def test_class_errors_count_each_class_separately():
    data = blobs(100)

    class AlwaysThree(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return F.one_hot(torch.full((len(x),), 3), 10).float()

    errors = class_errors(AlwaysThree(), data)
    present = [c for c in range(10) if (data.test_y == c).any()]
    assert errors[3] == 0
    assert all(errors[c] == 1 for c in present if c != 3)


def test_train_mlps_trains_through_the_task_it_is_given():
    made = []

    class CountingTask(ImageTask):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.evaluations = 0
            made.append(self)

        def evaluate(self, split):
            self.evaluations += 1
            return super().evaluate(split)

    data = blobs(256)
    recipe = MLP_RECIPE.scaled(0.02)
    records = train_mlps(
        MLPConfig(8, 1), data, (0,), recipe, task_factory=CountingTask
    )
    plain = train_mlps(MLPConfig(8, 1), data, (0,), recipe)
    (task,) = made
    # two evaluations per checkpoint (validation, test) and one of the training set
    assert task.evaluations == 2 * len(records[0]["curve"]) + 1
    assert (
        records[0]["early_stopped_test_loss"] == plain[0]["early_stopped_test_loss"]
    )


def test_data_pruning_is_registered_and_its_smoke_table_has_the_declared_fields(
    monkeypatch,
):
    assert EXPERIMENTS["ch10_data_pruning"].run is ch10.data_pruning
    monkeypatch.setattr(ch10, "mnist_splits", blobs)
    table = ch10.data_pruning(PROFILES["smoke"])
    config = table["config"]
    rows = table["rows"]
    expected = (len(config["kept_sizes"]) * len(ch10.STRATEGIES) + 1) * len(
        config["seeds"]
    )
    assert len(rows) == expected
    for row in rows:
        assert tuple(row) == ch10.PRUNING_FIELDS
        assert 0 <= row["early_stopped_test_error"] <= 1
    by = {(r["strategy"], r["n_keep"]): r for r in rows}
    for n in config["kept_sizes"]:
        assert by["hardest", n]["mean_score"] >= by["random", n]["mean_score"]
        assert by["random", n]["mean_score"] >= by["easiest", n]["mean_score"]
    assert by["all", config["pool"]]["n_keep"] == config["pool"]


def tagged_splits(n_train: int, n_val: int = 64, n_test: int | None = 128):
    """A stand-in for :func:`helpers.data.mnist_splits` whose images carry their identity: pixel 0
    and 1 hold the row number, pixel 2 the split (0 train, 1 validation, 2 test)."""

    def tagged(n: int, split: int) -> torch.Tensor:
        x = np.zeros((n, 784), dtype=np.uint8)
        x[:, 0], x[:, 1], x[:, 2] = np.arange(n) // 256, np.arange(n) % 256, split
        return torch.from_numpy(x)

    def labels(n: int) -> torch.Tensor:
        return torch.arange(n) % 10

    n_val, n_test = min(n_val, 64), min(n_test or 128, 128)
    return ImageSplits(
        tagged(n_train, 0),
        labels(n_train),
        tagged(n_val, 1),
        labels(n_val),
        tagged(n_test, 2),
        labels(n_test),
        mean=0.5,
        std=0.2,
    )


def test_probe_pool_and_evaluation_images_are_disjoint(monkeypatch):
    """The probe trains on images outside the pool; every kept set is drawn from the pool; validation
    and test images are never trained on (ch10_data_pruning's design)."""
    seen: dict[str, list[ImageSplits]] = {"probe": [], "kept": []}

    def fake_probe_training(model, data, steps, **kwargs):
        seen["probe"].append(data)
        return model.eval()

    def fake_runs(config, data, seeds, recipe, noise_rate):
        assert noise_rate == 0.0
        seen["kept"].append(data)
        return [
            {field: 0 for field in ch10.PRUNING_FIELDS} | {"seed": s} for s in seeds
        ]

    monkeypatch.setattr(ch10, "mnist_splits", tagged_splits)
    monkeypatch.setattr(ch10, "train_sequential", fake_probe_training)
    monkeypatch.setattr(ch10, "train_noisy_mlps", fake_runs)
    table = ch10.data_pruning(PROFILES["smoke"])
    pool, n_probe = table["config"]["pool"], table["config"]["probe"]["n_train"]

    def ids(x: torch.Tensor, split: int) -> set[int]:
        assert (x[:, 2] == split).all()
        return set((256 * x[:, 0].long() + x[:, 1].long()).tolist())

    (probe_data,) = seen["probe"]
    assert ids(probe_data.train_x, 0) == set(range(pool, pool + n_probe))
    assert len(seen["kept"]) == len(table["config"]["kept_sizes"]) * 3 + 1
    for data in seen["kept"]:
        assert ids(data.train_x, 0) <= set(range(pool))
        ids(data.val_x, 1), ids(data.test_x, 2)
    # the whole pool, last, is the pool and nothing else
    assert ids(seen["kept"][-1].train_x, 0) == set(range(pool))


def test_equivalent_compute_is_the_budget_of_the_optimal_split_at_the_same_loss():
    from helpers.published import MODELS, equivalent_compute, get_law

    law = get_law("besiroglu")
    n_opt, d_opt = law.compute_optimal(1e22)
    assert equivalent_compute(law, n_opt, d_opt) == pytest.approx(1e22, rel=1e-9)
    gpt3 = MODELS["GPT-3"]
    budget = 6 * gpt3.n_params * gpt3.train_tokens
    saved = equivalent_compute(law, gpt3.n_params, gpt3.train_tokens)
    assert 0 < saved < budget
    # the optimal split at that budget reaches GPT-3's loss
    n_eq, d_eq = law.compute_optimal(saved)
    assert law.predict(n_eq, d_eq) == pytest.approx(
        law.predict(gpt3.n_params, gpt3.train_tokens), rel=1e-9
    )
    both = equivalent_compute(
        law, np.array([n_opt, n_opt]), np.array([d_opt, d_opt])
    )
    assert both.shape == (2,)
