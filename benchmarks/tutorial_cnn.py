"""A deliberately naive CNN, written the way the classic tutorials write it.

This is the baseline of ``bench_fashion.py``: what a NumPy/SciPy CNN looks
like before anyone vectorises it. Everything runs one sample at a time:

* ``Conv`` loops over filters and input channels and calls
  :func:`scipy.signal.correlate2d` (``"valid"``) for the forward pass and for
  the kernel gradient, and :func:`scipy.signal.convolve2d` (``"full"``) for
  the input gradient;
* ``MaxPool`` loops over channels and windows in Python, forward and backward;
* ``Dense`` is a NumPy matrix-vector product on a column vector;
* the optimizer updates the weights after every sample (SGD, as the
  tutorials do) or after every mini-batch of accumulated per-sample
  gradients (Adam).

It is correct (``python benchmarks/tutorial_cnn.py`` checks its gradients
against finite differences) and slow on purpose. Do not use it for anything
but comparisons.
"""

import time

import numpy as np
from scipy import signal


class Conv:
    """Valid cross-correlation of a (C, H, W) input with (F, C, k, k) kernels."""

    def __init__(self, in_channels, n_filters, kernel_size, rng):
        bound = np.sqrt(6 / (in_channels * kernel_size**2))  # He, for ReLU
        shape = (n_filters, in_channels, kernel_size, kernel_size)
        self.kernels = rng.uniform(-bound, bound, shape)
        self.biases = np.zeros(n_filters)
        self.first = False  # the network's first layer skips the input gradient

    def params(self):
        return [self.kernels, self.biases]

    def forward(self, x):
        self.input = x
        n_filters, in_channels = self.kernels.shape[:2]
        k = self.kernels.shape[2]
        out = np.zeros((n_filters, x.shape[1] - k + 1, x.shape[2] - k + 1))
        for i in range(n_filters):
            out[i] = self.biases[i]
            for j in range(in_channels):
                out[i] += signal.correlate2d(x[j], self.kernels[i, j], "valid")
        return out

    def backward(self, grad):
        n_filters, in_channels = self.kernels.shape[:2]
        dkernels = np.zeros_like(self.kernels)
        dinput = np.zeros_like(self.input)
        for i in range(n_filters):
            for j in range(in_channels):
                dkernels[i, j] = signal.correlate2d(self.input[j], grad[i], "valid")
                if not self.first:
                    dinput[j] += signal.convolve2d(grad[i], self.kernels[i, j], "full")
        dbiases = grad.sum(axis=(1, 2))
        return dinput, [dkernels, dbiases]


class ReLU:
    def params(self):
        return []

    def forward(self, x):
        self.input = x
        return np.maximum(x, 0)

    def backward(self, grad):
        return grad * (self.input > 0), []


class MaxPool:
    """Non-overlapping max pooling by Python loops over windows."""

    def __init__(self, size=2):
        self.size = size

    def params(self):
        return []

    def forward(self, x):
        s = self.size
        channels, height, width = x.shape
        ho, wo = height // s, width // s
        self.input_shape = x.shape
        self.argmax = np.zeros((channels, ho, wo, 2), dtype=int)
        out = np.zeros((channels, ho, wo))
        for c in range(channels):
            for i in range(ho):
                for j in range(wo):
                    window = x[c, i * s : i * s + s, j * s : j * s + s]
                    a, b = np.unravel_index(np.argmax(window), window.shape)
                    out[c, i, j] = window[a, b]
                    self.argmax[c, i, j] = (i * s + a, j * s + b)
        return out

    def backward(self, grad):
        dinput = np.zeros(self.input_shape)
        channels, ho, wo = grad.shape
        for c in range(channels):
            for i in range(ho):
                for j in range(wo):
                    a, b = self.argmax[c, i, j]
                    dinput[c, a, b] += grad[c, i, j]
        return dinput, []


class Flatten:
    def params(self):
        return []

    def forward(self, x):
        self.input_shape = x.shape
        return x.reshape(-1, 1)

    def backward(self, grad):
        return grad.reshape(self.input_shape), []


class Dense:
    """``y = W x + b`` on a column vector."""

    def __init__(self, n_inputs, n_outputs, rng):
        bound = np.sqrt(6 / n_inputs)
        self.weights = rng.uniform(-bound, bound, (n_outputs, n_inputs))
        self.bias = np.zeros((n_outputs, 1))

    def params(self):
        return [self.weights, self.bias]

    def forward(self, x):
        self.input = x
        return self.weights @ x + self.bias

    def backward(self, grad):
        return self.weights.T @ grad, [grad @ self.input.T, grad]


def softmax_cross_entropy(logits, label):
    """Loss and gradient for one sample (logits is a column vector)."""
    shifted = logits - logits.max()
    proba = np.exp(shifted) / np.exp(shifted).sum()
    grad = proba.copy()
    grad[label] -= 1
    return -np.log(proba[label, 0]), grad


class TutorialCNN:
    """``[Conv -> ReLU -> MaxPool] * len(filters) -> Flatten -> [Dense -> ReLU]* -> Dense``.

    Parameters
    ----------
    image_shape : tuple of (int, int, int)
    filters : tuple of int
    hidden_layer_sizes : tuple of int
    n_classes : int
    kernel_size, pool_size : int
    solver : {"sgd", "adam"}
        "sgd" updates after every sample; "adam" averages the per-sample
        gradients of each mini-batch of ``batch_size`` and then steps.
    """

    def __init__(
        self,
        image_shape=(1, 28, 28),
        filters=(8, 16),
        hidden_layer_sizes=(64,),
        n_classes=10,
        kernel_size=3,
        pool_size=2,
        solver="adam",
        learning_rate=1e-3,
        batch_size=64,
        random_state=0,
    ):
        rng = np.random.RandomState(random_state)
        channels, height, width = image_shape
        self.layers = []
        for n_filters in filters:
            self.layers += [Conv(channels, n_filters, kernel_size, rng), ReLU()]
            channels, height, width = (
                n_filters,
                height - kernel_size + 1,
                width - kernel_size + 1,
            )
            if pool_size > 1:
                self.layers.append(MaxPool(pool_size))
                height, width = height // pool_size, width // pool_size
        self.layers[0].first = True
        self.layers.append(Flatten())
        n_inputs = channels * height * width
        for n_units in hidden_layer_sizes:
            self.layers += [Dense(n_inputs, n_units, rng), ReLU()]
            n_inputs = n_units
        self.layers.append(Dense(n_inputs, n_classes, rng))
        self.solver = solver
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.params = [p for layer in self.layers for p in layer.params()]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def sample_gradients(self, x, label):
        """Loss and per-parameter gradients of one sample."""
        loss, grad = softmax_cross_entropy(self.forward(x), label)
        grads = []
        for layer in reversed(self.layers):
            grad, layer_grads = layer.backward(grad)
            grads = layer_grads + grads
        return loss, grads

    def step(self, grads):
        if self.solver == "sgd":
            for p, g in zip(self.params, grads):
                p -= self.learning_rate * g
            return
        self.t += 1
        b1, b2, eps = 0.9, 0.999, 1e-8
        lr = self.learning_rate * np.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            p -= lr * m / (np.sqrt(v) + eps)

    def train_epoch(self, X, y, order=None):
        """One pass over ``X`` (n, C, H, W) in the given order; mean loss."""
        order = np.arange(len(X)) if order is None else order
        total = 0.0
        if self.solver == "sgd":
            for n in order:
                loss, grads = self.sample_gradients(X[n], y[n])
                self.step(grads)
                total += loss
            return total / len(order)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            sums = [np.zeros_like(p) for p in self.params]
            for n in batch:
                loss, grads = self.sample_gradients(X[n], y[n])
                total += loss
                for s, g in zip(sums, grads):
                    s += g
            self.step([s / len(batch) for s in sums])
        return total / len(order)

    def predict(self, X):
        return np.array([int(np.argmax(self.forward(x))) for x in X])


def _gradient_check():
    """Compare one sample's gradients with central differences (float64)."""
    rng = np.random.RandomState(1)
    net = TutorialCNN((2, 12, 12), filters=(3, 4), hidden_layer_sizes=(5,), n_classes=3)
    x = rng.uniform(size=(2, 12, 12))
    label = 2
    _, grads = net.sample_gradients(x, label)
    worst = 0.0
    for p, g in zip(net.params, grads):
        flat = p.reshape(-1)
        for idx in rng.choice(flat.size, size=min(flat.size, 8), replace=False):
            old = flat[idx]
            flat[idx] = old + 1e-6
            up = softmax_cross_entropy(net.forward(x), label)[0]
            flat[idx] = old - 1e-6
            down = softmax_cross_entropy(net.forward(x), label)[0]
            flat[idx] = old
            numeric = (up - down) / 2e-6
            worst = max(
                worst,
                abs(numeric - g.reshape(-1)[idx])
                / max(1e-8, abs(numeric) + abs(g.reshape(-1)[idx])),
            )
    return worst


if __name__ == "__main__":
    print(f"worst relative gradient error: {_gradient_check():.2e}")
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(64, 1, 28, 28))
    y = rng.randint(0, 10, 64)
    net = TutorialCNN()
    start = time.perf_counter()
    net.train_epoch(X, y)
    seconds = time.perf_counter() - start
    print(
        f"{seconds / len(X) * 1e3:.1f} ms per sample, "
        f"{seconds / len(X) * 60000:.0f} s per 60,000-sample epoch (extrapolated)"
    )
