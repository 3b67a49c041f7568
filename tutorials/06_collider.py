# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Hands-on 6: machine learning for LHC physics — signal versus background (S44)
#
# At a collider, a new (or known) particle shows up as a small excess of events
# over a large background. Here the signal is a $Z$ boson decaying to two muons
# and the background a Drell–Yan-like continuum with the same final state, from
# `physml.datasets.collider_events` (a small event generator with detector
# smearing). We
#
# 1. write the events to a ROOT file and read them back, as an LHC analysis does (with `uproot`);
# 2. compare *low-level* features (the measured leptons) and *high-level* ones (invariant mass, ...);
# 3. train logistic regression, a random forest and a neural network, and compare their ROC curves;
# 4. ask which features matter;
# 5. cut on the classifier output to maximise the significance $S/\sqrt{B}$.

# %%
import os
import tempfile
import warnings

import matplotlib.pyplot as plt
import numpy as np

from physml.base import ConvergenceWarning
from physml.datasets import collider_events
from physml.linear import LogisticRegression
from physml.metrics import roc_auc_score, roc_curve
from physml.model_selection import train_test_split
from physml.nn import MLPClassifier
from physml.tree import RandomForestClassifier

# PHYSML_TUTORIAL_SMALL=1 (set by the test suite) shrinks every size so the notebook runs in seconds
SMALL = os.environ.get("PHYSML_TUTORIAL_SMALL") == "1"
SEED = 0
N_EVENTS = 4000 if SMALL else 50000  # per class

# %% [markdown]
# ## 1. Events in a ROOT file
#
# Real LHC data come as ROOT files holding a `TTree`: one entry per event, one
# *branch* per measured quantity. `uproot` reads and writes them from Python
# without ROOT itself (install it with `pip install physml[hep]`).

# %%
ev = collider_events(N_EVENTS, N_EVENTS, random_state=SEED)
print("features:", ev.feature_names)
print("low level:", ev.low_level, " high level:", ev.high_level)

try:
    import uproot
except ImportError:
    uproot = None
    print("uproot is not installed (pip install physml[hep] or pip install uproot): "
          "the events stay in memory and the ROOT round trip is skipped.")

branches = {name: ev.X[:, j] for j, name in enumerate(ev.feature_names)}
branches["is_signal"] = ev.y.astype(np.int32)
if uproot is not None:
    path = os.path.join(tempfile.mkdtemp(), "dimuon_events.root")
    with uproot.recreate(path) as f:
        f["events"] = branches
    with uproot.open(path) as f:
        tree = f["events"]
        print(f"{path}: TTree 'events' with {tree.num_entries} entries and branches {tree.keys()}")
        data = tree.arrays(library="np")
    X = np.column_stack([data[name] for name in ev.feature_names])
    y = data["is_signal"].astype(np.int64)
    assert np.array_equal(X, ev.X) and np.array_equal(y, ev.y)
    print("read back bit for bit:", os.path.getsize(path) // 1024, "KiB on disk")
else:
    X, y = ev.X, ev.y

# %% [markdown]
# **Interpretation.** The file round trip is exact: the analysis below starts,
# like a real one, from columns read out of a ROOT `TTree`.

# %% [markdown]
# ## 2. Low-level and high-level features
#
# *Low-level* features are what the detector measures: the two leptons'
# $p_T$, $\eta$, $\phi$ and the missing transverse energy. *High-level* features
# are computed from them by physicists: the pair's invariant mass $m_{\ell\ell}$,
# its $p_T$ and the separation $\Delta R$.

# %%
fig, axes = plt.subplots(1, 4, figsize=(16, 3.4))
for ax, name in zip(axes, ["lep1_pt", "lep1_eta", "m_ll", "delta_r"]):
    x = X[:, ev.feature_names.index(name)]
    bins = np.linspace(*np.percentile(x, [0.5, 99.5]), 60)
    ax.hist(x[y == 0], bins=bins, histtype="step", density=True, label="background")
    ax.hist(x[y == 1], bins=bins, histtype="step", density=True, label="signal")
    ax.set(xlabel=name + (" (GeV)" if name.endswith(("pt", "ll")) else ""), ylabel="density")
axes[0].legend()
plt.show()

# %% [markdown]
# **Interpretation.** The single lepton's $p_T$ and $\eta$ look alike for signal
# and background; the pair mass $m_{\ell\ell}$ is a narrow peak at $M_Z$ for the
# signal and a falling spectrum for the background. The information is in a
# *combination* of the low-level features,
# $m_{\ell\ell}^2 = 2p_{T1}p_{T2}(\cosh\Delta\eta - \cos\Delta\phi)$ for massless leptons.

# %% [markdown]
# ## 3. Three classifiers, two feature sets, ROC curves
#
# We train on half of the events and evaluate on the other half. The ROC curve
# plots the signal efficiency (true-positive rate) against the background
# efficiency (false-positive rate) as the threshold on the classifier's output
# moves; its area (AUC) is the probability that a random signal event scores
# above a random background event.

# %%
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=SEED, stratify=y)
mean, std = X_train.mean(axis=0), X_train.std(axis=0)
Z_train, Z_test = (X_train - mean) / std, (X_test - mean) / std  # standardised with training statistics only
feature_sets = {"low level": [ev.feature_names.index(f) for f in ev.low_level],
                "high level": [ev.feature_names.index(f) for f in ev.high_level]}


def classifiers():
    return {
        "logistic regression": LogisticRegression(max_iter=500),
        "random forest": RandomForestClassifier(n_estimators=50 if SMALL else 200, min_samples_leaf=5,
                                                n_jobs=-1, random_state=SEED),
        "MLP 64-64": MLPClassifier((64, 64), max_epochs=40 if SMALL else 100, random_state=SEED),
    }


scores, auc = {}, {}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for fs, cols in feature_sets.items():
        for name, clf in classifiers().items():
            clf.fit(Z_train[:, cols], y_train)
            scores[name, fs] = clf.predict_proba(Z_test[:, cols])[:, 1]
            auc[name, fs] = roc_auc_score(y_test, scores[name, fs])

fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
for ax, fs in zip(axes, feature_sets):
    for (name, f), s in scores.items():
        if f == fs:
            fpr, tpr, _ = roc_curve(y_test, s)
            ax.plot(fpr, tpr, label=f"{name}: AUC {auc[name, fs]:.3f}")
    ax.plot([0, 1], [0, 1], "k:", lw=0.8)
    ax.set(xscale="log", xlim=(1e-3, 1), xlabel="background efficiency (false-positive rate)", title=fs)
    ax.legend(fontsize=8)
axes[0].set_ylabel("signal efficiency (true-positive rate)")
plt.show()
for key, value in auc.items():
    print(f"{key[0]:>20s}, {key[1]:>10s}: AUC = {value:.4f}")

# %% [markdown]
# **Interpretation.** The forest and the network beat logistic regression on
# both feature sets. On low-level features the linear model has little to work with:
# $m_{\ell\ell}$ is a non-linear function of the lepton momenta, which the
# network learns from the raw measurements. More surprising: even given
# $m_{\ell\ell}$ itself, logistic regression stays far behind. The signal is a
# *window* $|m_{\ell\ell} - M_Z| < \Delta$, and a linear score in $m_{\ell\ell}$ can
# only cut on one side of the peak. A physicist's feature fixes that:

# %%
m_col = ev.feature_names.index("m_ll")
window = lambda Z, X: np.c_[Z[:, feature_sets["high level"]], np.abs(X[:, m_col] - 91.19)]  # noqa: E731
distance_train, distance_test = window(Z_train, X_train), window(Z_test, X_test)
scale = distance_train.std(axis=0)
lr_window = LogisticRegression(max_iter=500).fit(distance_train / scale, y_train)
scores["logistic regression", "high level + |m_ll - M_Z|"] = lr_window.predict_proba(distance_test / scale)[:, 1]
auc_window = roc_auc_score(y_test, scores["logistic regression", "high level + |m_ll - M_Z|"])
print(f"logistic regression with |m_ll - M_Z| added: AUC = {auc_window:.4f} "
      f"(MLP on high-level features: {auc['MLP 64-64', 'high level']:.4f})")

# %% [markdown]
# **Interpretation.** With the distance to the peak as a feature, the linear
# model catches up with the network: choosing features that make the problem
# linear is the physicist's contribution; a flexible model is the machine's.

# %% [markdown]
# ## 4. Which features matter?
#
# A random forest on all ten features ranks them by their mean impurity
# decrease, the total improvement of the splits that use them.

# %%
all_forest = RandomForestClassifier(n_estimators=50 if SMALL else 200, min_samples_leaf=5, n_jobs=-1,
                                    random_state=SEED).fit(X_train, y_train)
order = np.argsort(all_forest.feature_importances_)[::-1]
fig, ax = plt.subplots(figsize=(7, 3))
ax.bar(np.array(ev.feature_names)[order], all_forest.feature_importances_[order])
ax.set(ylabel="mean impurity decrease", title="random forest on all features")
ax.tick_params(axis="x", rotation=45)
plt.show()
scores["random forest", "all"] = all_forest.predict_proba(X_test)[:, 1]
print(f"random forest on all features: AUC = {roc_auc_score(y_test, scores['random forest', 'all']):.4f}")

# %% [markdown]
# **Interpretation.** The invariant mass dominates: given $m_{\ell\ell}$, the
# forest hardly needs anything else, which is what the physics says (signal and
# background differ in the pair mass; their angular distributions are alike).
# Impurity importances are a ranking, not a measurement: correlated features
# share their importance, and a feature the forest can rebuild from others
# (here $m_{\ell\ell}$ from the lepton momenta) looks less important when both are present.

# %% [markdown]
# ## 5. Significance after a cut
#
# An analysis keeps the events whose classifier output exceeds a threshold $t$.
# With $S_0$ signal and $B_0$ background events expected before the cut, it
# keeps $S = S_0\,\epsilon_S(t)$ and $B = B_0\,\epsilon_B(t)$, and for $S \ll B$
# the excess is significant at $S/\sqrt{B}$ standard deviations. Take a rare
# signal: $S_0 = 500$ over $B_0 = 50\,000$ expected events ($S_0/\sqrt{B_0} = 2.2$
# without any selection).

# %%
S0, B0 = 500.0, 50_000.0
fig, ax = plt.subplots(figsize=(6, 4))
for key in [("MLP 64-64", "low level"), ("logistic regression", "high level"), ("random forest", "all")]:
    fpr, tpr, thresholds = roc_curve(y_test, scores[key], drop_intermediate=False)
    keep = fpr * B0 >= 10  # at least 10 background events left: S/sqrt(B) is meaningless on no background
    significance = S0 * tpr[keep] / np.sqrt(B0 * fpr[keep])
    best = int(np.argmax(significance))
    ax.plot(thresholds[keep], significance, label=f"{key[0]}, {key[1]}: max {significance[best]:.1f} "
                                                 f"at t = {thresholds[keep][best]:.2f}")
ax.axhline(S0 / np.sqrt(B0), color="gray", ls=":", label="no selection")
ax.set(xlabel="threshold t on P(signal | x)", ylabel="S / sqrt(B)")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# **Interpretation.** A tight cut on a good classifier keeps most of the signal
# while rejecting the background by orders of magnitude, which raises the
# significance several-fold over the unselected sample. Where the cut is too
# tight, too few events survive and the (here: required) background count sets
# the limit; in a real analysis the statistical uncertainty on $B$, systematic
# uncertainties and the trials factor enter too.
