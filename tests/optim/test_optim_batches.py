"""minibatches (S7): each epoch is a partition of range(n) into ceil(n/K) batches."""

import math

import numpy as np
import pytest

from physml.optim import minibatches


@pytest.mark.parametrize("n, K", [(1, 1), (10, 3), (10, 5), (100, 7), (7, 100), (1000, 32)])
@pytest.mark.parametrize("shuffle", [True, False])
def test_batches_partition_the_samples(n, K, shuffle):
    batches = list(minibatches(n, K, shuffle=shuffle, random_state=0))
    assert len(batches) == math.ceil(n / K)
    assert [len(b) for b in batches[:-1]] == [K] * (len(batches) - 1)
    assert len(batches[-1]) == n - K * (len(batches) - 1)
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(n))
    if not shuffle:
        np.testing.assert_array_equal(np.concatenate(batches), np.arange(n))


def test_shuffle_is_reproducible_and_differs_between_epochs():
    a = np.concatenate(list(minibatches(50, 8, random_state=3)))
    b = np.concatenate(list(minibatches(50, 8, random_state=3)))
    np.testing.assert_array_equal(a, b)
    gen = np.random.default_rng(3)
    e1 = np.concatenate(list(minibatches(50, 8, random_state=gen)))
    e2 = np.concatenate(list(minibatches(50, 8, random_state=gen)))
    np.testing.assert_array_equal(e1, a)
    assert not np.array_equal(e1, e2)
    assert not np.array_equal(a, np.arange(50))


def test_minibatch_gradient_is_unbiased():
    # linear least squares: the average of the batch gradients over an epoch (weighted by size) is the full gradient
    rng = np.random.default_rng(0)
    X, y, w = rng.normal(size=(103, 4)), rng.normal(size=103), rng.normal(size=4)
    full = X.T @ (X @ w - y) / len(y)
    parts = [X[b].T @ (X[b] @ w - y[b]) for b in minibatches(103, 10, random_state=1)]
    np.testing.assert_allclose(np.sum(parts, axis=0) / 103, full, rtol=1e-12)


@pytest.mark.parametrize("kwargs, name", [({"n": 0, "batch_size": 1}, "n"), ({"n": 5, "batch_size": 0}, "batch_size"),
                                          ({"n": 5, "batch_size": 2.5}, "batch_size")])
def test_bad_arguments_raise(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=name):
        list(minibatches(**kwargs))


@pytest.mark.parametrize("kwargs, name", [({"n": 0, "batch_size": 1}, "n"), ({"n": 5, "batch_size": -2}, "batch_size"),
                                          ({"n": 5, "batch_size": 2, "shuffle": "yes"}, "shuffle")])
def test_bad_arguments_raise_at_the_call_not_at_the_first_batch(kwargs, name):
    # a generator would defer the check until iterated (or never, for an unused epoch)
    with pytest.raises((ValueError, TypeError), match=name):
        minibatches(**kwargs)
