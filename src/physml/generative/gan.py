r"""Generative adversarial network (S36): a generator and a discriminator trained in turn.

The generator G maps noise z ~ N(0, 1)^{latent_dim} to samples x = G(z); the
discriminator D maps a sample to the probability D(x) = sigma(logit) that it
is real. They play the minimax game of the slides' cross-entropy cost

.. math::

    \min_G \max_D \; V(D, G) = E_{x \sim p_{data}} \ln D(x) + E_{z} \ln(1 - D(G(z))),

whose optimum is p_G = p_data (Goodfellow et al. 2014): for a fixed G the best
D is p_data / (p_data + p_G), and V then equals 2 JS(p_data || p_G) - ln 4.
"""

from __future__ import annotations

import copy
import numbers

import numpy as np
from threadpoolctl import threadpool_limits

from ..base import Estimator, check_array, check_is_fitted, check_random_state, check_scalar
from ..exceptions import ConvergenceWarning, warn
from ..nn.functional import sigmoid
from ..nn.layers import Dense, LeakyReLU
from ..nn.losses import BinaryCrossEntropy
from ..nn.network import Sequential
from ..optim import get_optimizer

__all__ = ["GAN"]

_LOSSES = ("non_saturating", "saturating")


class GAN(Estimator):
    r"""Generative adversarial network (S36) with the slides' cross-entropy cost.

    Each iteration takes ``d_steps`` discriminator steps and one generator step:

    1. discriminator: a batch of m data x and m fakes G(z) with labels 1 and 0;
       descend E_D = -(1/2m) [sum ln D(x) + sum ln(1 - D(G(z)))] (the binary
       cross-entropy of the 2m samples, half the slide's sum);
    2. generator, with D fixed, on m new z, either
       - "saturating": descend (1/m) sum ln(1 - D(G(z))), the minimax cost itself,
         whose gradient vanishes when D rejects the fakes confidently (early training), or
       - "non_saturating" (default): descend -(1/m) sum ln D(G(z)), the same fixed
         point with strong gradients where D(G(z)) ~ 0 (Goodfellow et al. 2014, sec. 3).

    The generator's gradient is back-propagated through D to its input
    dE/dx, then through G: ``G.backward(D.backward(dE/dlogit))``.

    Parameters
    ----------
    generator : Sequential or None, default None
        Maps (n, latent_dim) to (n, d): a linear last layer for continuous data.
        None: latent_dim -> 64 -> 64 -> d with LeakyReLU(0.2) units.
    discriminator : Sequential or None, default None
        Maps (n, d) to logits (n, 1) (no sigmoid at the end: it is in the cost).
        None: d -> 64 -> 64 -> 1 with LeakyReLU(0.2) units.
    latent_dim : int or None, default None
        Dimension of z ~ N(0, I); None: d, the data's.
    loss : {"non_saturating", "saturating"}, default "non_saturating"
    optimizer : str or physml.optim.Optimizer, default "adam"
        Each network gets its own copy (:func:`physml.optim.get_optimizer`).
    learning_rate : float, default 1e-3
        Step size of both optimisers (for a named optimizer).
    batch_size : int, default 128
        m data and m fakes per discriminator step, m fakes per generator step.
    n_iter : int, default 2000
        Generator steps.
    d_steps : int, default 1
        Discriminator steps per generator step.
    standardize : bool, default True
        Train on (x - mean) / std of the data and map samples back (the
        networks then see inputs of order one whatever the data's units).
    random_state : None, int or numpy.random.Generator
        Batches and latent noise (the networks are initialised by their layers).
    verbose : bool, default False
        Progress bar over iterations.

    Attributes
    ----------
    generator_, discriminator_ : Sequential
        The trained networks (copies of ``generator`` and ``discriminator``, which stay untouched).
    latent_dim_ : int
    history_ : dict
        ``d_loss`` (E_D) and ``g_loss`` (the generator cost being descended) per iteration,
        and ``stop_reason`` ("n_iter" or "nan").
    n_iter_ : int
        Generator steps taken.
    n_features_in_ : int
    mean_, scale_ : ndarray of shape (d,)
        The standardisation (zeros and ones when ``standardize=False``).

    Warns
    -----
    ConvergenceWarning
        On divergence (a non-finite cost: training stops), when the discriminator wins
        (E_D < 0.01 over the last tenth of training: the generator's gradients vanish), and on
        mode collapse (a generated standard deviation below a tenth of the data's in some dimension).

    Notes
    -----
    Cost per iteration: the forward and backward passes of D on 2m samples
    per D step, and of G and D on m samples.

    Reference: I. Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
    """

    _check_estimator_params = {"n_iter": 5, "random_state": 0}

    def __init__(self, generator=None, discriminator=None, latent_dim=None, loss="non_saturating", optimizer="adam",
                 learning_rate=1e-3, batch_size=128, n_iter=2000, d_steps=1, standardize=True, random_state=None,
                 verbose=False):
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.loss = loss
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.d_steps = d_steps
        self.standardize = standardize
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X, y=None):
        """Train G to generate samples distributed as the rows of X, shape (n, d); returns self."""
        X = check_array(X, dtype=np.float64)
        d = X.shape[1]
        for name in ("generator", "discriminator"):
            net = getattr(self, name)
            if net is not None and not isinstance(net, Sequential):
                raise TypeError(f"{name} must be a physml.nn.Sequential or None, got {type(net).__name__}.")
        if self.latent_dim is not None:
            check_scalar(self.latent_dim, "latent_dim", numbers.Integral, min_val=1)
        latent_dim = d if self.latent_dim is None else int(self.latent_dim)
        if self.loss not in _LOSSES:
            raise ValueError(f"loss must be one of {_LOSSES}, got {self.loss!r}.")
        check_scalar(self.learning_rate, "learning_rate", numbers.Real, min_val=0, include_boundaries="neither")
        check_scalar(self.batch_size, "batch_size", numbers.Integral, min_val=1)
        check_scalar(self.n_iter, "n_iter", numbers.Integral, min_val=1)
        check_scalar(self.d_steps, "d_steps", numbers.Integral, min_val=1)
        rng = check_random_state(self.random_state)
        G = copy.deepcopy(self.generator) if self.generator is not None else _default_net(latent_dim, d, rng)
        D = copy.deepcopy(self.discriminator) if self.discriminator is not None else _default_net(d, 1, rng)
        opt_g = get_optimizer(self.optimizer, float(self.learning_rate))
        opt_d = get_optimizer(self.optimizer, float(self.learning_rate))
        dtype = G.parameters()[0].dtype
        out = G.forward(np.zeros((1, latent_dim), dtype=dtype))
        if out.ndim != 2 or out.shape[1] != d:
            raise ValueError(f"generator maps latent_dim={latent_dim} to shape {out.shape[1:]}, but X has "
                             f"{d} features.")
        logit = D.forward(out)
        if logit.shape != (1, 1):
            raise ValueError(f"discriminator must output one logit per sample, got shape {logit.shape[1:]}.")
        self.generator_, self.discriminator_, self.latent_dim_ = G, D, latent_dim
        self.n_features_in_ = X.shape[1]
        self.mean_ = X.mean(axis=0) if self.standardize else np.zeros(X.shape[1])
        scale = X.std(axis=0) if self.standardize else np.ones(X.shape[1])
        self.scale_ = np.where(scale > 0, scale, 1.0)
        data = ((X - self.mean_) / self.scale_).astype(dtype)
        # small products: one BLAS thread (a second one busy-waits more than it computes, see nn.train)
        with threadpool_limits(limits=1, user_api="blas"), np.errstate(over="ignore", invalid="ignore"):
            self.history_ = _train_gan(G, D, data, opt_g, opt_d, latent_dim, self.loss,
                                       min(int(self.batch_size), data.shape[0]), int(self.n_iter),
                                       int(self.d_steps), rng, self.verbose)
        self.n_iter_ = len(self.history_["g_loss"])
        self._diagnose(X, rng)
        return self

    def _diagnose(self, X, rng):
        h = self.history_
        if h["stop_reason"] == "nan":
            warn(ConvergenceWarning(f"GAN training diverged (a non-finite cost at iteration {self.n_iter_ + 1}); "
                                    "lower the learning_rate."))
            return
        tail = h["d_loss"][-max(1, len(h["d_loss"]) // 10):]
        if np.mean(tail) < 0.01:
            warn(ConvergenceWarning(
                f"The discriminator wins (mean cost {np.mean(tail):.2g} over the last tenth of training): the "
                "generator's gradients vanish. Use loss='non_saturating', a smaller discriminator or fewer d_steps."))
        spread = self.sample(min(4096, 4 * X.shape[0]), random_state=rng).std(axis=0)
        data_spread = X.std(axis=0)
        ratio = np.min(np.where(data_spread > 0, spread / np.where(data_spread > 0, data_spread, 1), np.inf))
        if ratio < 0.1:
            warn(ConvergenceWarning(
                f"Mode collapse: the generated samples spread {ratio:.2g} times the data's standard deviation in "
                "some dimension. Try loss='non_saturating', a lower learning_rate or more latent dimensions."))

    def _get_state(self):
        """For :mod:`physml.io`: the fitted attributes, the two networks as their weight arrays.

        Only the default networks (``generator=None``, ``discriminator=None``) can be
        rebuilt from a file; a GAN of user-supplied networks is refused with a ``TypeError``
        (save its networks' weights yourself).
        """
        if self.generator is not None or self.discriminator is not None:
            raise TypeError("physml.io saves a GAN with the default networks only (generator=None, "
                            "discriminator=None); save the weights of your own networks with numpy.savez.")
        state = {k: v for k, v in vars(self).items()
                 if k.endswith("_") and not k.startswith("_") and k not in ("generator_", "discriminator_")}
        state["generator_weights"] = [np.array(p) for p in self.generator_.parameters()]
        state["discriminator_weights"] = [np.array(p) for p in self.discriminator_.parameters()]
        return state

    def _set_state(self, state):
        """Inverse of :meth:`_get_state`: rebuild the default networks and copy the weights in."""
        state = dict(state)
        weights = {"generator_": state.pop("generator_weights"), "discriminator_": state.pop("discriminator_weights")}
        for name, value in state.items():
            setattr(self, name, value)
        rng = check_random_state(0)  # the initial weights are overwritten below
        nets = {"generator_": _default_net(self.latent_dim_, self.n_features_in_, rng),
                "discriminator_": _default_net(self.n_features_in_, 1, rng)}
        for name, net in nets.items():
            params = net.parameters()
            if [p.shape for p in params] != [np.shape(w) for w in weights[name]]:
                raise ValueError(f"the saved {name} weights do not fit the default network.")
            for p, w in zip(params, weights[name]):
                p[...] = w
            setattr(self, name, net)
        return self

    def sample(self, n, random_state=None):
        r"""n generated samples x = G(z), z ~ N(0, I), in the units of the data; shape (n, d)."""
        check_is_fitted(self)
        check_scalar(n, "n", numbers.Integral, min_val=1)
        rng = check_random_state(random_state)
        G = self.generator_
        z = rng.standard_normal((int(n), self.latent_dim_)).astype(G.parameters()[0].dtype)
        return G.forward(z, training=False).astype(np.float64) * self.scale_ + self.mean_


def _default_net(n_in, n_out, rng):
    """n_in -> 64 -> 64 -> n_out, LeakyReLU(0.2) hidden units, linear output (float32)."""
    return Sequential([Dense(n_in, 64, init="he_uniform", random_state=rng), LeakyReLU(0.2),
                       Dense(64, 64, init="he_uniform", random_state=rng), LeakyReLU(0.2),
                       Dense(64, n_out, random_state=rng)])


def _train_gan(G, D, data, opt_g, opt_d, latent_dim, loss, m, n_iter, d_steps, rng, verbose):
    """The alternating loop of :meth:`GAN.fit` (inputs assumed validated; owns its batch buffers)."""
    D.set_input_grad(True)  # the generator step needs dE/dx of the discriminator
    params_g, grads_g = G.parameters(), G.gradients()
    params_d, grads_d = D.parameters(), D.gradients()
    dtype = data.dtype
    n = data.shape[0]
    batch = np.empty((2 * m, data.shape[1]), dtype=dtype)
    labels = np.concatenate([np.ones(m), np.zeros(m)]).astype(dtype)[:, None]
    z = np.empty((m, latent_dim), dtype=dtype)
    bce = BinaryCrossEntropy()
    history = {"d_loss": [], "g_loss": [], "stop_reason": "n_iter"}
    steps = range(n_iter)
    if verbose:
        from tqdm.auto import tqdm

        steps = tqdm(steps, desc="GAN", disable=None, leave=False)
    for _ in steps:
        for _ in range(d_steps):
            # discriminator step: m data (label 1) and m fakes (label 0) in one batch
            np.take(data, rng.integers(0, n, size=m), axis=0, out=batch[:m])
            z[...] = rng.standard_normal(z.shape)
            batch[m:] = G.forward(z, training=True)
            E_d = bce.forward(D.forward(batch, training=True), labels)
            D.backward(bce.backward())
            opt_d.step(params_d, grads_d)
        # generator step: D fixed, gradient through D into G
        z[...] = rng.standard_normal(z.shape)
        logits = D.forward(G.forward(z, training=True), training=True)
        D_fake = sigmoid(logits)
        if loss == "non_saturating":
            # E_G = -(1/m) sum ln sigma(l)   ->  dE_G/dl = (sigma(l) - 1) / m
            E_g = float(np.mean(np.logaddexp(0.0, -logits)))
            delta = (D_fake - 1.0) / m
        else:
            # E_G = (1/m) sum ln(1 - sigma(l)) = -(1/m) sum ln(1 + e^l)   ->  dE_G/dl = -sigma(l) / m
            E_g = float(-np.mean(np.logaddexp(0.0, logits)))
            delta = -D_fake / m
        G.backward(D.backward(delta.astype(dtype)))
        opt_g.step(params_g, grads_g)
        if not (np.isfinite(E_d) and np.isfinite(E_g)):
            history["stop_reason"] = "nan"
            break
        history["d_loss"].append(E_d)
        history["g_loss"].append(E_g)
    return history
