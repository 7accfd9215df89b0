"""The CNN family for CIFAR-10: five 3x3 convolutions whose channels scale with ``width`` (Chapter 3).

Layout: conv-conv-pool at 32x32, conv-conv-pool at 16x16, conv at 8x8, global average pool, linear;
channels ``8w, 8w, 16w, 16w, 32w`` for width multiplier ``w``. Parameters and FLOPs per image::

    N = sum_l (9 c_{l-1} + 1) c_l + (32 w + 1) 10
    C per image = 6 sum_l m_l - 2 m_1,  m_l = 9 c_{l-1} c_l s_l^2 (s_l the side of the feature map),
                  plus the linear layer's 32 w x 10
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

CIFAR_CHANNELS, N_CLASSES = 3, 10
CNN_DEPTH = 5
"""Convolutions in every CNN of the family; its width multiplier is the only size knob."""
# the side at which each convolution runs on 32x32 images
_FEATURE_MAP_SIDES = (
    32,
    32,
    16,
    16,
    8,
)


@dataclass(frozen=True)
class CNNConfig:
    """The shape of one CNN (Chapter 3): channel counts ``8w, 8w, 16w, 16w, 32w`` for ``width = w``."""

    width: int

    def __post_init__(self) -> None:
        if self.width < 1:
            raise ValueError(f"width must be at least 1, got {self.width}")

    @property
    def channels(self) -> list[int]:
        """Output channels of the five convolutions."""
        w = self.width
        return [8 * w, 8 * w, 16 * w, 16 * w, 32 * w]

    @property
    def n_params(self) -> int:
        """Convolution weights and biases plus the final linear layer."""
        channels = [CIFAR_CHANNELS] + self.channels
        convs = sum(
            (9 * c_in + 1) * c_out for c_in, c_out in zip(channels, channels[1:])
        )
        return convs + (channels[-1] + 1) * N_CLASSES

    @property
    def n_params_non_embedding(self) -> int:
        """The same as :attr:`n_params`: a CNN has no embedding."""
        return self.n_params

    @property
    def train_flops_per_unit(self) -> int:
        """Convolution and linear FLOPs of one training image (forward + backward), as FlopCounterMode counts."""
        channels = [CIFAR_CHANNELS] + self.channels
        macs = [
            9 * c_in * c_out * side * side
            for c_in, c_out, side in zip(channels, channels[1:], _FEATURE_MAP_SIDES)
        ]
        macs.append(channels[-1] * N_CLASSES)
        return 6 * sum(macs) - 2 * macs[0]


class CNN(nn.Module):
    """A small CIFAR-10 network: input ``(batch, 3, 32, 32)``, output ``(batch, 10)`` (Chapter 3).

    Convolutions start from He initialisation (normal, variance ``2 / fan_in``, zero bias): with PyTorch's
    default, whose variance is a sixth of that, the signal shrinks through the five layers and a
    narrow network sits at chance for its first few dozen steps.
    """

    def __init__(self, config: CNNConfig) -> None:
        super().__init__()
        self.config = config
        channels = [CIFAR_CHANNELS] + config.channels
        self.convs = nn.ModuleList(
            nn.Conv2d(c_in, c_out, kernel_size=3, padding=1)
            for c_in, c_out in zip(channels, channels[1:])
        )
        self.head = nn.Linear(channels[-1], N_CLASSES)
        # He et al.'s initialisation for ReLU networks keeps the signal's scale
        for conv in self.convs:
            nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
            nn.init.zeros_(conv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for index, conv in enumerate(self.convs):
            x = F.relu(conv(x))
            if index in (1, 3):
                x = F.max_pool2d(x, 2)
        return self.head(x.mean(dim=(2, 3)))  # (batch, 32w) -> (batch, 10)
