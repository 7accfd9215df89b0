"""The MLP family for MNIST, stackable: several independent networks of one shape in one module (Chapter 3).

Parameters and FLOPs of one network with layer sizes ``n_0 = 784, n_1 .. n_depth = width, n_out = 10``::

    N = sum_l (n_{l-1} + 1) n_l                    (weights and biases)
    C per image = 6 sum_l m_l - 2 m_1,  m_l = n_{l-1} n_l     (no gradient for the input images)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

MNIST_INPUTS, N_CLASSES = 28 * 28, 10


@dataclass(frozen=True)
class MLPConfig:
    """The shape of one MLP (Chapter 3): ``depth`` hidden layers of ``width`` ReLU units."""

    width: int
    depth: int
    n_inputs: int = MNIST_INPUTS
    n_classes: int = N_CLASSES

    def __post_init__(self) -> None:
        if self.width < 1 or self.depth < 1:
            raise ValueError(
                f"width and depth must be at least 1, got width={self.width}, depth={self.depth}"
            )

    @property
    def layer_sizes(self) -> list[int]:
        """``[n_inputs, width, ..., width, n_classes]`` with ``depth`` hidden layers."""
        return [self.n_inputs] + [self.width] * self.depth + [self.n_classes]

    @property
    def n_params(self) -> int:
        """Weights and biases of one network: ``sum_l (n_{l-1} + 1) n_l``."""
        sizes = self.layer_sizes
        return sum(
            (fan_in + 1) * fan_out for fan_in, fan_out in zip(sizes, sizes[1:])
        )

    @property
    def n_params_non_embedding(self) -> int:
        """The same as :attr:`n_params`: an MLP has no embedding."""
        return self.n_params

    @property
    def train_flops_per_unit(self) -> int:
        """Matmul FLOPs of one training image (forward + backward): ``6 sum_l m_l - 2 m_1``."""
        sizes = self.layer_sizes
        macs = [fan_in * fan_out for fan_in, fan_out in zip(sizes, sizes[1:])]
        return 6 * sum(macs) - 2 * macs[0]


class MLP(nn.Module):
    """``n_models`` independent MLPs of one shape, evaluated together (Chapter 3).

    Input ``(batch, n_inputs)`` (shared by all models); output ``(n_models, batch, n_classes)``.
    The first layer of all models is one matrix product (its weight is stored as
    ``(n_inputs, n_models * width)``); later layers are batched products over the models. Weights are
    initialised like ``torch.nn.Linear`` (uniform in ``+-1/sqrt(fan_in)``), independently per model.
    """

    def __init__(self, config: MLPConfig, n_models: int = 1) -> None:
        super().__init__()
        if n_models < 1:
            raise ValueError(f"n_models must be at least 1, got {n_models}")
        self.config, self.n_models = config, n_models
        sizes = config.layer_sizes
        self.first_weight = nn.Parameter(
            torch.empty(config.n_inputs, n_models * config.width)
        )
        self.first_bias = nn.Parameter(torch.empty(n_models * config.width))
        self.weights = nn.ParameterList(
            nn.Parameter(torch.empty(n_models, fan_in, fan_out))
            for fan_in, fan_out in zip(sizes[1:], sizes[2:])
        )
        self.biases = nn.ParameterList(
            nn.Parameter(torch.empty(n_models, 1, fan_out)) for fan_out in sizes[2:]
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        with torch.no_grad():
            bound = 1 / math.sqrt(self.first_weight.shape[0])
            self.first_weight.uniform_(-bound, bound)
            self.first_bias.uniform_(-bound, bound)
            for weight, bias in zip(self.weights, self.biases):
                bound = 1 / math.sqrt(weight.shape[1])
                weight.uniform_(-bound, bound)
                bias.uniform_(-bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, width = x.shape[0], self.config.width
        # (batch, n_models * width)
        hidden = F.relu(torch.addmm(self.first_bias, x, self.first_weight))
        # (n_models, batch, width)
        hidden = hidden.view(batch, self.n_models, width).transpose(0, 1)
        for index, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            # (n_models, batch, fan_out)
            hidden = torch.baddbmm(bias, hidden, weight)
            if index < len(self.weights) - 1:
                hidden = F.relu(hidden)
        return hidden


def stacked_mlp(config: MLPConfig, seeds: tuple[int, ...]) -> MLP:
    """An :class:`MLP` stack whose model ``k`` has exactly the initialisation of ``MLP(config)`` created
    after ``torch.manual_seed(seeds[k])`` (Chapter 3)."""
    model = MLP(config, n_models=len(seeds))
    width = config.width
    for k, seed in enumerate(seeds):
        torch.manual_seed(seed)
        single = MLP(config)
        with torch.no_grad():
            model.first_weight[:, k * width : (k + 1) * width] = single.first_weight
            model.first_bias[k * width : (k + 1) * width] = single.first_bias
            for stacked, own in zip(
                list(model.weights) + list(model.biases),
                list(single.weights) + list(single.biases),
            ):
                stacked[k] = own[0]
    return model
