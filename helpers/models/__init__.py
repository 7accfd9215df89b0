"""The three model families of the scaling sweeps, each with exact parameter and FLOP counts (Chapter 3).

* :class:`MLP` (:class:`MLPConfig`) for MNIST: ``depth`` hidden layers of ``width`` ReLU units; one
  module can hold several independent networks of one shape (a *stack*), trained together.
* :class:`CNN` (:class:`CNNConfig`) for CIFAR-10: five 3x3 convolutions whose channel counts scale
  with a width multiplier.
* :class:`CharTransformer` (:class:`TransformerConfig`) for Tiny Shakespeare: a decoder-only
  transformer, pre-LayerNorm, GELU MLP of 4x width, learned positions, output tied to the embedding.

Each model is built from a small frozen config (as nanoGPT's ``GPTConfig``), and each config knows its
own size without building the model: ``n_params``, ``n_params_non_embedding`` (Kaplan et al.'s N) and
``train_flops_per_unit``, the training FLOPs per *unit* of data (an image, or a token).

FLOPs are counted as matrix-multiply and convolution FLOPs (2 per multiply-accumulate), for one forward
and one backward pass, exactly as ``torch.utils.flop_counter.FlopCounterMode`` counts them (the tests
check this); element-wise work (activations, norms, softmax, the optimizer) is not counted. For a weight
matrix used on ``m`` multiply-accumulates per unit, the forward pass costs ``2m``, the gradient with
respect to the weights ``2m``, and the gradient with respect to the layer's input ``2m``, except for a
first layer whose input is data, which needs no input gradient. That is the origin of the rule of thumb
``C ~ 6 N`` FLOPs per unit, and of where the course's networks depart from it.
"""

from helpers.models.cnn import CNN, CNNConfig
from helpers.models.mlp import MLP, MLPConfig, stacked_mlp
from helpers.models.transformer import CharTransformer, TransformerConfig

__all__ = [
    "CNN",
    "MLP",
    "CNNConfig",
    "CharTransformer",
    "MLPConfig",
    "TransformerConfig",
    "stacked_mlp",
]
