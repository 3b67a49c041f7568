"""Convolution and pooling layers: the slide examples, PyTorch parity, finite differences, kernels vs references."""

import numpy as np
import pytest

from physml.nn import (
    AvgPool1D,
    AvgPool2D,
    Conv1D,
    Conv2D,
    Dense,
    Flatten,
    GlobalAvgPool,
    MaxPool1D,
    MaxPool2D,
    MSELoss,
    Reshape,
    Sequential,
    Tanh,
    gradient_check,
    numerical_gradient,
    relative_error,
)
from physml.nn import _conv_kernels as K

# --- the slides' worked examples -------------------------------------------------------------------------


def test_conv2d_reproduces_slide_s38_example():
    # 5 x 5 binary image, the "X" kernel: every output counts the ones under the kernel's ones
    image = np.array([[1, 1, 1, 0, 0],
                      [0, 1, 1, 1, 0],
                      [0, 0, 1, 1, 1],
                      [0, 0, 1, 1, 0],
                      [0, 1, 1, 0, 0]], dtype=np.float64)
    conv = Conv2D(1, 1, 3, dtype=np.float64)
    conv.W[0, 0] = [[1, 0, 1], [0, 1, 0], [1, 0, 1]]
    out = conv.forward(image[None, None])[0, 0]
    assert out[0, 0] == 4
    np.testing.assert_array_equal(out, [[4, 3, 4], [2, 4, 3], [2, 3, 4]])


def test_pooling_reproduces_slide_s39_example():
    x = np.array([[1, 1, 2, 4],
                  [5, 6, 7, 8],
                  [3, 2, 1, 0],
                  [1, 2, 3, 4]], dtype=np.float64)[None, None]
    np.testing.assert_array_equal(MaxPool2D(2).forward(x)[0, 0], [[6, 8], [3, 4]])
    np.testing.assert_array_equal(AvgPool2D(2).forward(x)[0, 0], [[3.25, 5.25], [2, 2]])


def test_convolution_is_cross_correlation_not_flipped():
    # an asymmetric kernel picks x[s + 1] - x[s]: no flip (signal-processing convolution would give x[s] - x[s+1])
    conv = Conv1D(1, 1, 2, dtype=np.float64)
    conv.W[0, 0] = [-1, 1]
    x = np.array([[[0.0, 1.0, 3.0, 6.0]]])
    np.testing.assert_array_equal(conv.forward(x)[0, 0], [1, 2, 3])


# --- PyTorch parity (float64, 1e-10) -----------------------------------------------------------------------

CONV2D_CASES = [  # (n, C, O, H, W, kernel, stride, padding)
    (2, 1, 3, 7, 7, 3, 1, 0),
    (3, 2, 4, 9, 8, (3, 2), (2, 1), (1, 1)),
    (1, 3, 2, 6, 10, (2, 4), 2, (1, 2)),
    (4, 2, 5, 5, 5, 5, 1, 2),
    (2, 4, 3, 11, 7, 3, 3, 1),
]


@pytest.mark.parametrize("n, C, O, H, W, k, s, p", CONV2D_CASES)
def test_conv2d_forward_backward_match_torch(torch, n, C, O, H, W, k, s, p):
    rng = np.random.default_rng(H * W + C)
    F = torch.nn.functional
    conv = Conv2D(C, O, k, stride=s, padding=p, random_state=0, dtype=np.float64)
    conv.b[...] = rng.normal(size=O)
    x = rng.normal(size=(n, C, H, W))
    y = conv.forward(x, training=True)
    xt = torch.tensor(x, requires_grad=True)
    Wt = torch.tensor(conv.W, requires_grad=True)
    bt = torch.tensor(conv.b, requires_grad=True)
    yt = F.conv2d(xt, Wt, bt, stride=s, padding=p)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=0, atol=1e-10)
    g = rng.normal(size=y.shape)
    dx = conv.backward(g)
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(conv.dW, Wt.grad.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(conv.db, bt.grad.numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("n, C, O, L, k, s, p", [(2, 1, 3, 20, 5, 1, 2), (3, 2, 4, 17, 4, 3, 1), (1, 3, 2, 8, 8, 1, 0)])
def test_conv1d_forward_backward_match_torch(torch, n, C, O, L, k, s, p):
    rng = np.random.default_rng(L)
    F = torch.nn.functional
    conv = Conv1D(C, O, k, stride=s, padding=p, random_state=1, dtype=np.float64)
    assert conv.W.shape == (O, C, k)
    conv.b[...] = rng.normal(size=O)
    x = rng.normal(size=(n, C, L))
    y = conv.forward(x, training=True)
    xt, Wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, conv.W, conv.b))
    yt = F.conv1d(xt, Wt, bt, stride=s, padding=p)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=0, atol=1e-10)
    g = rng.normal(size=y.shape)
    dx = conv.backward(g)
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(conv.dW, Wt.grad.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(conv.db, bt.grad.numpy(), rtol=0, atol=1e-10)


POOL_CASES = [  # (shape, kernel, stride, padding)
    ((2, 3, 8, 8), 2, None, 0),
    ((2, 2, 9, 7), 3, 2, 1),
    ((1, 4, 6, 10), (2, 3), (1, 2), (1, 0)),
    ((3, 1, 5, 5), 3, 1, 1),
]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("shape, k, s, p", POOL_CASES)
def test_pool2d_forward_backward_match_torch(torch, kind, shape, k, s, p):
    rng = np.random.default_rng(sum(shape))
    F = torch.nn.functional
    layer = (MaxPool2D if kind == "max" else AvgPool2D)(k, stride=s, padding=p)
    fn = F.max_pool2d if kind == "max" else F.avg_pool2d
    x = rng.normal(size=shape)
    y = layer.forward(x, training=True)
    xt = torch.tensor(x, requires_grad=True)
    yt = fn(xt, k, stride=s, padding=p)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=0, atol=1e-10)
    g = rng.normal(size=y.shape)
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(layer.backward(g), xt.grad.numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("shape, k, s, p", [((2, 3, 12), 2, None, 0), ((3, 2, 11), 3, 2, 1), ((1, 1, 9), 4, 1, 2)])
def test_pool1d_forward_backward_match_torch(torch, kind, shape, k, s, p):
    rng = np.random.default_rng(sum(shape))
    F = torch.nn.functional
    layer = (MaxPool1D if kind == "max" else AvgPool1D)(k, stride=s, padding=p)
    fn = F.max_pool1d if kind == "max" else F.avg_pool1d
    x = rng.normal(size=shape)
    y = layer.forward(x, training=True)
    xt = torch.tensor(x, requires_grad=True)
    yt = fn(xt, k, stride=s, padding=p)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=0, atol=1e-10)
    g = rng.normal(size=y.shape)
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(layer.backward(g), xt.grad.numpy(), rtol=0, atol=1e-10)


def test_global_avg_pool_matches_torch_adaptive_pool(torch):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 3, 5, 6))
    layer = GlobalAvgPool()
    y = layer.forward(x)
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.nn.functional.adaptive_avg_pool2d(xt, 1)[:, :, 0, 0]
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=0, atol=1e-12)
    g = rng.normal(size=y.shape)
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(layer.backward(g), xt.grad.numpy(), rtol=0, atol=1e-12)


# --- finite differences (float64, rel err < 1e-6) ----------------------------------------------------------


def _cnn_2d(pool):
    return Sequential([Conv2D(2, 3, 3, stride=1, padding=1, random_state=0, dtype=np.float64), Tanh(), pool,
                       Conv2D(3, 2, (2, 3), stride=(1, 2), padding=(1, 1), random_state=1, dtype=np.float64),
                       Tanh(), Flatten(), Dense(16, 2, random_state=2, dtype=np.float64)])


@pytest.mark.parametrize("pool", [MaxPool2D(2), AvgPool2D(2), AvgPool2D(3, stride=2, padding=1)],
                         ids=["max", "avg", "avg-overlapping"])
def test_conv2d_network_gradients_match_finite_differences(pool):
    rng = np.random.default_rng(0)
    net = _cnn_2d(pool)
    x = rng.normal(size=(3, 2, 6, 6))
    out_shape = net.forward(x).shape
    assert gradient_check(net, MSELoss(), x, rng.normal(size=out_shape)) < 1e-6


@pytest.mark.parametrize("pool", [MaxPool1D(2), AvgPool1D(3, stride=2, padding=1)], ids=["max", "avg"])
def test_conv1d_network_gradients_match_finite_differences(pool):
    rng = np.random.default_rng(1)
    net = Sequential([Conv1D(1, 4, 5, padding=2, random_state=0, dtype=np.float64), Tanh(), pool,
                      Conv1D(4, 2, 3, stride=2, random_state=1, dtype=np.float64), GlobalAvgPool(),
                      Dense(2, 1, random_state=2, dtype=np.float64)])
    x = rng.normal(size=(4, 1, 16))
    assert gradient_check(net, MSELoss(), x, rng.normal(size=(4, 1))) < 1e-6


@pytest.mark.parametrize("layer", [
    Conv2D(2, 3, 3, stride=2, padding=1, random_state=0, dtype=np.float64),
    Conv1D(2, 3, 4, stride=1, padding=2, random_state=0, dtype=np.float64),
    MaxPool2D(2, stride=1), AvgPool2D(2, padding=1), MaxPool1D(3, stride=2, padding=1), AvgPool1D(2),
    GlobalAvgPool(), Reshape((2, 5, 5)),
], ids=repr)
def test_input_gradient_matches_finite_differences(layer):
    rng = np.random.default_rng(2)
    shape = {Conv1D: (2, 2, 9), MaxPool1D: (2, 2, 9), AvgPool1D: (2, 2, 9), Reshape: (2, 50)}.get(
        type(layer), (2, 2, 5, 5))
    x = rng.normal(size=shape)
    weights = rng.normal(size=layer.forward(x).shape)

    def E(x_):  # x_ is x itself, perturbed in place by numerical_gradient
        return float(np.sum(weights * layer.forward(x_, training=True)))

    E(x)
    analytic = np.array(layer.backward(weights))
    assert relative_error(analytic, numerical_gradient(E, x)) < 1e-6


# --- the GEMM path against the direct kernels, and every kernel against its NumPy reference ------------------


@pytest.mark.parametrize("k, s", [((3, 3), (1, 1)), ((2, 4), (2, 3))])
def test_im2col_gemm_equals_direct_kernels(k, s):
    rng = np.random.default_rng(4)
    conv = Conv2D(3, 4, k, stride=s, padding=1, random_state=0, dtype=np.float64)
    conv.b[...] = rng.normal(size=4)
    x = rng.normal(size=(3, 3, 9, 10))
    y = conv.forward(x, training=True).copy()
    g = rng.normal(size=y.shape)
    dx = conv.backward(g).copy()
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    for fwd, bwd in ((K.conv2d_forward, K.conv2d_backward), (K.conv2d_forward_ref, K.conv2d_backward_ref)):
        y_ref = np.empty_like(y)
        fwd(xp, conv.W, conv.b, s[0], s[1], y_ref)
        np.testing.assert_allclose(y, y_ref, rtol=0, atol=1e-12)
        dxp, dW, db = np.empty_like(xp), np.empty_like(conv.W), np.empty_like(conv.b)
        bwd(xp, conv.W, g, s[0], s[1], dxp, dW, db)
        np.testing.assert_allclose(dx, dxp[:, :, 1:-1, 1:-1], rtol=0, atol=1e-12)
        np.testing.assert_allclose(conv.dW, dW, rtol=0, atol=1e-12)
        np.testing.assert_allclose(conv.db, db, rtol=0, atol=1e-12)


@pytest.mark.parametrize("k, s", [((3, 3), (1, 1)), ((2, 3), (2, 2)), ((1, 4), (1, 3))])
def test_kernels_equal_numpy_references(k, s):
    rng = np.random.default_rng(5)
    xp = rng.normal(size=(2, 3, 8, 9))
    kh, kw = k
    Ho, Wo = (8 - kh) // s[0] + 1, (9 - kw) // s[1] + 1
    cols, cols_ref = (np.empty((2, 3 * kh * kw, Ho * Wo)) for _ in range(2))
    K.im2col(xp, kh, kw, *s, cols)
    K.im2col_ref(xp, kh, kw, *s, cols_ref)
    np.testing.assert_array_equal(cols, cols_ref)
    dxp, dxp_ref = np.empty_like(xp), np.empty_like(xp)
    K.col2im(cols, kh, kw, *s, dxp)
    K.col2im_ref(cols, kh, kw, *s, dxp_ref)
    np.testing.assert_allclose(dxp, dxp_ref, rtol=1e-14, atol=1e-14)
    y, y_ref = np.empty((2, 3, Ho, Wo)), np.empty((2, 3, Ho, Wo))
    arg, arg_ref = np.empty(y.shape, np.int64), np.empty(y.shape, np.int64)
    K.maxpool2d_forward(xp, kh, kw, *s, y, arg)
    K.maxpool2d_forward_ref(xp, kh, kw, *s, y_ref, arg_ref)
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_array_equal(arg, arg_ref)
    K.avgpool2d_forward(xp, kh, kw, *s, y)
    K.avgpool2d_forward_ref(xp, kh, kw, *s, y_ref)
    np.testing.assert_allclose(y, y_ref, rtol=1e-14, atol=1e-14)
    g = rng.normal(size=y.shape)
    K.avgpool2d_backward(g, kh, kw, *s, dxp)
    K.avgpool2d_backward_ref(g, kh, kw, *s, dxp_ref)
    np.testing.assert_allclose(dxp, dxp_ref, rtol=1e-14, atol=1e-14)


def test_inference_in_chunks_equals_one_batch(monkeypatch):
    from physml.nn import conv as conv_module

    rng = np.random.default_rng(6)
    conv = Conv2D(2, 3, 3, padding=1, random_state=0, dtype=np.float64)
    x = rng.normal(size=(10, 2, 7, 7))
    whole = conv.forward(x, training=True).copy()
    monkeypatch.setattr(conv_module, "_INFERENCE_COLS_BYTES", 3 * 18 * 49 * 8)  # three samples per chunk
    np.testing.assert_array_equal(conv.forward(x, training=False), whole)


# --- shapes and errors ------------------------------------------------------------------------------------------


def test_same_padding_keeps_size_and_stride_divides_it():
    x = np.zeros((2, 1, 10, 12), dtype=np.float32)
    assert Conv2D(1, 4, 3, padding=1).forward(x).shape == (2, 4, 10, 12)
    assert Conv2D(1, 4, 3, stride=2, padding=1).forward(x).shape == (2, 4, 5, 6)
    assert MaxPool2D(2).forward(x).shape == (2, 1, 5, 6)
    assert Conv1D(1, 2, 5, padding=2).forward(x[:, :, 0]).shape == (2, 2, 12)


def test_bad_arguments_are_refused_with_their_name():
    with pytest.raises(ValueError, match="kernel_size"):
        Conv2D(1, 2, 0)
    with pytest.raises(ValueError, match="padding"):
        Conv2D(1, 2, 3, padding=2)
    with pytest.raises(ValueError, match="kernel_size"):
        Conv2D(1, 2, (3, 3, 3))
    with pytest.raises(TypeError, match="in_channels"):
        Conv2D(1.5, 2, 3)
    with pytest.raises(ValueError, match="input channels"):
        Conv2D(2, 2, 3).forward(np.zeros((1, 1, 5, 5)))
    with pytest.raises(ValueError, match="smaller than the kernel"):
        Conv2D(1, 2, 5).forward(np.zeros((1, 1, 3, 3)))
    with pytest.raises(ValueError, match=r"\(n, C, L\)"):
        Conv1D(1, 2, 3).forward(np.zeros((1, 1, 5, 5)))
