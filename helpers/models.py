"""The three model families of the scaling sweeps, each with exact parameter and FLOP counts (Chapter 3).

* :class:`MLP` for MNIST: ``depth`` hidden layers of ``width`` ReLU units. It can hold ``n_models``
  independent networks of the same shape at once (stacked weights), trained together on the same
  batches; each is an ordinary MLP with its own initialisation.
* :class:`CNN` for CIFAR-10: a fixed five-convolution layout whose channel counts scale with ``width``.
* :class:`CharTransformer` for Tiny Shakespeare: a decoder-only transformer (pre-LayerNorm, GELU MLP of
  4x width, learned positions, output layer tied to the token embedding).

FLOPs are counted as matrix-multiply and convolution FLOPs (2 per multiply-accumulate), for one forward
and one backward pass, exactly as ``torch.utils.flop_counter.FlopCounterMode`` counts them (the tests
check this). For a weight matrix used on ``m`` multiply-accumulates per example, the forward pass costs
``2m``, the gradient with respect to the weights ``2m``, and the gradient with respect to the layer's input
``2m``, except for a first layer whose input is data. That is the origin of the rule of thumb
``C ~ 6 N`` FLOPs per example (per token for language models).
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

MNIST_INPUTS, CIFAR_CHANNELS, N_CLASSES = 28 * 28, 3, 10


# --- MLP ------------------------------------------------------------------------------------------

def mlp_layer_sizes(width: int, depth: int, n_inputs: int = MNIST_INPUTS, n_outputs: int = N_CLASSES) -> list[int]:
    """``[n_inputs, width, ..., width, n_outputs]`` with ``depth`` hidden layers."""
    if width < 1 or depth < 1:
        raise ValueError(f"width and depth must be at least 1, got width={width}, depth={depth}")
    return [n_inputs] + [width] * depth + [n_outputs]


def mlp_param_count(width: int, depth: int, n_inputs: int = MNIST_INPUTS, n_outputs: int = N_CLASSES) -> int:
    """Weights and biases of one MLP: ``sum_l (n_{l-1} + 1) n_l``."""
    sizes = mlp_layer_sizes(width, depth, n_inputs, n_outputs)
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(sizes, sizes[1:]))


def mlp_train_flops(width: int, depth: int, n_inputs: int = MNIST_INPUTS, n_outputs: int = N_CLASSES) -> int:
    """Matmul FLOPs of one training example (forward + backward) for one MLP.

    ``6 m_l`` per layer with ``m_l = n_{l-1} n_l`` multiply-accumulates, less ``2 m_1`` because no
    gradient is computed for the input images.
    """
    sizes = mlp_layer_sizes(width, depth, n_inputs, n_outputs)
    macs = [fan_in * fan_out for fan_in, fan_out in zip(sizes, sizes[1:])]
    return 6 * sum(macs) - 2 * macs[0]


class MLP(nn.Module):
    """``n_models`` independent MLPs of one shape, evaluated together.

    Input ``(batch, n_inputs)`` (shared by all models); output ``(n_models, batch, n_outputs)``.
    The first layer of all models is one matrix product (its weight is stored as
    ``(n_inputs, n_models * width)``); later layers are batched products over the models. Weights are
    initialised like ``torch.nn.Linear`` (uniform in ``+-1/sqrt(fan_in)``), independently per model.
    """

    def __init__(self, width: int, depth: int, n_models: int = 1, n_inputs: int = MNIST_INPUTS,
                 n_outputs: int = N_CLASSES) -> None:
        super().__init__()
        if n_models < 1:
            raise ValueError(f"n_models must be at least 1, got {n_models}")
        self.width, self.depth, self.n_models = width, depth, n_models
        sizes = mlp_layer_sizes(width, depth, n_inputs, n_outputs)
        self.first_weight = nn.Parameter(torch.empty(n_inputs, n_models * width))
        self.first_bias = nn.Parameter(torch.empty(n_models * width))
        self.weights = nn.ParameterList(
            nn.Parameter(torch.empty(n_models, fan_in, fan_out)) for fan_in, fan_out in zip(sizes[1:], sizes[2:])
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
        batch = x.shape[0]
        hidden = F.relu(torch.addmm(self.first_bias, x, self.first_weight))  # (batch, n_models * width)
        hidden = hidden.view(batch, self.n_models, self.width).transpose(0, 1)  # (n_models, batch, width)
        for index, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            hidden = torch.baddbmm(bias, hidden, weight)  # (n_models, batch, fan_out)
            if index < len(self.weights) - 1:
                hidden = F.relu(hidden)
        return hidden

    @property
    def n_params(self) -> int:
        """Parameters of one of the models."""
        return sum(p.numel() for p in self.parameters()) // self.n_models

    @property
    def train_flops_per_example(self) -> int:
        """Training FLOPs per example of one of the models."""
        return mlp_train_flops(self.width, self.depth, self.first_weight.shape[0], self.weights[-1].shape[-1])


# --- CNN ------------------------------------------------------------------------------------------

def cnn_channels(width: int) -> list[int]:
    """Channel counts of the CNN's five 3x3 convolutions for width multiplier ``width``."""
    if width < 1:
        raise ValueError(f"width must be at least 1, got {width}")
    return [8 * width, 8 * width, 16 * width, 16 * width, 32 * width]


# (input channels index, spatial size at which each convolution runs) for 32x32 CIFAR images:
# conv1, conv2 at 32x32, pool -> conv3, conv4 at 16x16, pool -> conv5 at 8x8, global average pool.
_CNN_SPATIAL = [32, 32, 16, 16, 8]


def cnn_param_count(width: int) -> int:
    """Convolution weights and biases plus the final linear layer."""
    channels = [CIFAR_CHANNELS] + cnn_channels(width)
    convs = sum((9 * c_in + 1) * c_out for c_in, c_out in zip(channels, channels[1:]))
    return convs + (channels[-1] + 1) * N_CLASSES


def cnn_train_flops(width: int) -> int:
    """Convolution and linear FLOPs of one training example (forward + backward), as FlopCounterMode counts."""
    channels = [CIFAR_CHANNELS] + cnn_channels(width)
    macs = [9 * c_in * c_out * size * size for c_in, c_out, size in zip(channels, channels[1:], _CNN_SPATIAL)]
    macs.append(channels[-1] * N_CLASSES)
    return 6 * sum(macs) - 2 * macs[0]


class CNN(nn.Module):
    """A small CIFAR-10 network: conv-conv-pool, conv-conv-pool, conv-global-pool, linear.

    Input ``(batch, 3, 32, 32)``; output ``(batch, 10)``. Channels ``8w, 8w, 16w, 16w, 32w``.
    Convolutions start from He initialisation (normal, variance ``2 / fan_in``, zero bias): with PyTorch's
    default, whose variance is a sixth of that, the signal shrinks through the five layers and a
    narrow network sits at chance for its first few dozen steps.
    """

    def __init__(self, width: int) -> None:
        super().__init__()
        self.width = width
        channels = [CIFAR_CHANNELS] + cnn_channels(width)
        self.convs = nn.ModuleList(
            nn.Conv2d(c_in, c_out, kernel_size=3, padding=1) for c_in, c_out in zip(channels, channels[1:])
        )
        self.head = nn.Linear(channels[-1], N_CLASSES)
        for conv in self.convs:  # He et al.'s initialisation for ReLU networks keeps the signal's scale
            nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
            nn.init.zeros_(conv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for index, conv in enumerate(self.convs):
            x = F.relu(conv(x))
            if index in (1, 3):
                x = F.max_pool2d(x, 2)
        return self.head(x.mean(dim=(2, 3)))  # (batch, 32w) -> (batch, 10)

    @property
    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    @property
    def train_flops_per_example(self) -> int:
        return cnn_train_flops(self.width)
