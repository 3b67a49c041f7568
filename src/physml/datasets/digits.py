r"""The 8 x 8 handwritten digits, bundled with physml (no download).

The images are the test set of the UCI "Optical Recognition of Handwritten
Digits" data (E. Alpaydin and C. Kaynak, 1998; CC BY 4.0; see
``data/DIGITS_LICENSE.txt``): 1,797 digits written by 13 people, each an
8 x 8 grid of pixel counts 0..16. The lecture uses them for the multiclass
softmax classifier (S31), PCA and t-SNE (S25, S27) and the CNN (S40).
"""

from __future__ import annotations

import numbers
from importlib import resources

import numpy as np

from ..base import check_scalar
from ._bunch import Bunch

__all__ = ["load_digits"]

_DATA_FILE = "digits.npz"
_LICENSE_FILE = "DIGITS_LICENSE.txt"

_DESCR = """Optical recognition of handwritten digits (UCI test set, 1,797 images)

Each image is an 8 x 8 grid of integers 0..16: NIST programs cut normalised
32 x 32 bitmaps of handwritten digits into 4 x 4 blocks and counted the "on"
pixels of each block. 10 classes (digits 0-9), about 180 images per class,
written by 13 people. No missing values.

Source: E. Alpaydin and C. Kaynak (1998). Optical Recognition of Handwritten
Digits. UCI Machine Learning Repository. https://doi.org/10.24432/C50P49
Licence: CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/). Bundled
with physml unchanged, re-encoded as uint8 arrays in a compressed .npz file.
"""


def _read_bundled():
    path = resources.files("physml.datasets").joinpath("data", _DATA_FILE)
    with path.open("rb") as fh, np.load(fh, allow_pickle=False) as npz:
        return npz["images"], npz["target"]


def load_digits(*, n_class=10, return_X_y=False):
    r"""Load the 8 x 8 handwritten digits (1,797 images, 10 classes).

    Parameters
    ----------
    n_class : int, default=10
        Keep the digits ``0 .. n_class - 1`` only (between 1 and 10).
    return_X_y : bool, default=False
        Return the tuple ``(X, y)`` instead of a :class:`~physml.datasets.Bunch`.

    Returns
    -------
    result : Bunch
        ``X`` : float64 ndarray of shape (n_samples, 64), the flattened images, row-major
        (pixel ``(i, j)`` is column ``8 i + j``), values 0..16; ``y`` : int64 ndarray of shape
        (n_samples,), the digit shown, 0..9; ``images`` (float64, shape (n_samples, 8, 8)),
        ``target_names`` (0..n_class-1), ``feature_names`` ("pixel_i_j") and ``DESCR``
        (description, source and licence). ``data`` and ``target`` are the same arrays as
        ``X`` and ``y`` under scikit-learn's names (as this function returned them before).
    (X, y) : tuple, when ``return_X_y``

    Notes
    -----
    The data are bundled inside the package (``physml/datasets/data/digits.npz``,
    45 kB); the arrays are identical to ``sklearn.datasets.load_digits()``.
    Licence CC BY 4.0; cite E. Alpaydin and C. Kaynak, Optical Recognition of
    Handwritten Digits, UCI Machine Learning Repository (1998),
    https://doi.org/10.24432/C50P49.

    Examples
    --------
    >>> from physml.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> X.shape, y[:5].tolist()
    ((1797, 64), [0, 1, 2, 3, 4])
    """
    check_scalar(n_class, "n_class", numbers.Integral, min_val=1, max_val=10)
    images_u8, target_u8 = _read_bundled()
    keep = target_u8 < n_class
    images = images_u8[keep].astype(np.float64)
    target = target_u8[keep].astype(np.int64)
    data = images.reshape(len(images), 64)
    if return_X_y:
        return data, target
    return Bunch(
        X=data,
        y=target,
        data=data,
        target=target,
        images=images,
        target_names=np.arange(n_class),
        feature_names=[f"pixel_{i}_{j}" for i in range(8) for j in range(8)],
        DESCR=_DESCR,
    )
