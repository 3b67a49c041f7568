r"""Neural networks from their equations (S12-S21).

- Layers with explicit forward and back-propagation: :class:`Dense`, the
  activations :class:`Sigmoid`, :class:`Tanh`, :class:`ReLU`, :class:`LeakyReLU`,
  :class:`ELU`, :class:`Softmax`, and :class:`Dropout`, :class:`Flatten`.
- Convolution and pooling (S37-S40): :class:`Conv1D`, :class:`Conv2D`, :class:`MaxPool1D`,
  :class:`MaxPool2D`, :class:`AvgPool1D`, :class:`AvgPool2D`, :class:`GlobalAvgPool`, :class:`Reshape`,
  and the estimators :class:`CNNClassifier`, :class:`CNNRegressor`.
- Costs: :class:`MSELoss`, :class:`BinaryCrossEntropy`, :class:`CrossEntropy`
  (S15) and :class:`FunctionalLoss` (S17, data that are integrals of the network).
- Initialisers (S18) in :mod:`physml.nn.initializers`.
- :class:`Sequential` networks trained by the optimisers of :mod:`physml.optim`.
- :func:`train`: mini-batches, epochs, look-back stopping (S19), shared by
  the estimators :class:`MLPRegressor` and :class:`MLPClassifier`, whose
  networks :func:`build_mlp` builds.
- :func:`gradient_check`: back-propagation against finite differences
  (from :mod:`physml.numdiff`, with :func:`numerical_gradient` and :func:`relative_error`).
"""

from ..numdiff import gradient_check, numerical_gradient, relative_error
from .cnn import CNNClassifier, CNNRegressor
from .conv import AvgPool1D, AvgPool2D, Conv1D, Conv2D, GlobalAvgPool, MaxPool1D, MaxPool2D, Reshape
from .initializers import INITIALIZERS, get_initializer
from .layers import (
    ACTIVATIONS,
    ELU,
    Activation,
    Dense,
    Dropout,
    Flatten,
    Layer,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
    get_activation,
)
from .losses import BinaryCrossEntropy, CrossEntropy, FunctionalLoss, Loss, MSELoss, log_softmax, softmax
from .mlp import MLPClassifier, MLPRegressor, build_mlp
from .network import Sequential
from .training import train

__all__ = [
    "AvgPool1D",
    "AvgPool2D",
    "Conv1D",
    "Conv2D",
    "GlobalAvgPool",
    "MaxPool1D",
    "MaxPool2D",
    "Reshape",
    "ACTIVATIONS",
    "INITIALIZERS",
    "Activation",
    "BinaryCrossEntropy",
    "CNNClassifier",
    "CNNRegressor",
    "CrossEntropy",
    "Dense",
    "Dropout",
    "ELU",
    "Flatten",
    "FunctionalLoss",
    "Layer",
    "LeakyReLU",
    "Loss",
    "MLPClassifier",
    "MLPRegressor",
    "MSELoss",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "build_mlp",
    "get_activation",
    "get_initializer",
    "gradient_check",
    "log_softmax",
    "numerical_gradient",
    "relative_error",
    "softmax",
    "train",
]
