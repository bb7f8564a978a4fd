"""Passes through a built layer stack: forward, chunked inference, backward.

Public as :mod:`skconv.network`'s functions of the same names.
"""

import numpy as np

from ._layout import channels_last_empty
from .layers import BatchNormalization, Conv2D


def forward(layers, X, training=False):
    """Run every layer's forward pass in order.

    Parameters
    ----------
    layers : list of Layer
        A built stack.
    X : ndarray of shape (n_samples, channels, height, width)
        Images in the parameters' dtype.
    training : bool, default=False
        A training pass: the layers keep what :func:`backward` needs.

    Returns
    -------
    logits : ndarray of shape (n_samples, n_outputs)
        The output layer's values.
    """
    if training:
        for layer in layers:
            X = layer.forward(X, training)
        return X
    index = 0
    while index < len(layers):
        layer, chain = layers[index], _per_sample_chain(layers, index)
        if chain:
            X = _conv_then_chain(layer, chain, X)
        else:
            X = layer.forward(X)
        index += 1 + len(chain)
    return X


def _per_sample_chain(layers, index):
    """The layers after a Conv2D at ``index`` that inference runs per block.

    Consecutive ``per_sample_inference`` layers (activations, batch
    normalisation, dropout, pooling); empty when ``layers[index]`` is not a
    Conv2D.
    """
    if type(layers[index]) is not Conv2D:  # a subclass may compute otherwise
        return []
    chain = []
    for layer in layers[index + 1 :]:
        if not _per_sample(layer):
            break
        chain.append(layer)
    return chain


def _per_sample(layer):
    """``per_sample_inference``, believed of skconv's own layer classes and of
    classes that set it themselves (a user's subclass of ReLU may override
    ``forward`` with something that reads the whole batch)."""
    cls = type(layer)
    own = cls.__module__.startswith("skconv.") or "per_sample_inference" in vars(cls)
    return own and cls.per_sample_inference


def _conv_then_chain(conv, chain, X):
    """Inference through a Conv2D and the per-sample layers after it, by blocks.

    Each block of the convolution's output goes through ``chain`` while it
    is still in cache, so the full-size output map is never written to
    memory and read back by each layer in turn (it is the largest array of
    an inference pass: 32 filters over 28x28 maps, 100 kB per image). The
    same values as the layers' forward passes one after the other, bit for
    bit (see ``per_sample_inference``), but for a batch normalisation right
    after the convolution: its scale and shift are folded into the kernel
    and bias, which saves a pass over the output and rounds differently
    (in the last bits; training never folds).
    """
    affine = None
    if type(chain[0]) is BatchNormalization:  # a subclass may compute otherwise
        affine, chain = chain[0].inference_affine(), chain[1:]
    shape = conv.output_shape(X.shape[1:])
    for layer in chain:
        shape = layer.output_shape(shape)
    out = channels_last_empty((len(X), *shape), X.dtype)

    def epilogue(Y, samples):
        for layer in chain:
            Y = layer.forward(Y)
        out[samples] = Y

    conv.forward_blocks(X, epilogue, affine)
    return out


def forward_in_chunks(layers, X, chunk_rows, dtype):
    """Inference logits of ``X``, ``chunk_rows`` samples at a time.

    Each chunk is cast to ``dtype`` (the parameters' dtype) on its own, so
    neither a cast copy of ``X`` nor the intermediate maps (im2col matrices
    above all) grow with the number of samples.

    Parameters
    ----------
    layers : list of Layer
        A built stack.
    X : ndarray of shape (n_samples, channels, height, width)
        Images in any float dtype.
    chunk_rows : int
        Samples per chunk.
    dtype : numpy dtype
        The parameters' dtype.

    Returns
    -------
    logits : ndarray of shape (n_samples, n_outputs)
        What :func:`forward` returns for all of ``X``.
    """
    logits = None
    for start in range(0, len(X), chunk_rows):
        chunk = forward(layers, X[start : start + chunk_rows].astype(dtype, copy=False))
        if logits is None:
            logits = np.empty((len(X),) + chunk.shape[1:], dtype=chunk.dtype)
        logits[start : start + chunk_rows] = chunk
    return logits


def backward(layers, dout, input_grad=True):
    """Back-propagate ``dout``, writing every layer's ``grads``.

    Parameters
    ----------
    layers : list of Layer
        A built stack.
    dout : ndarray of shape (n_samples, n_outputs)
        The gradient of the loss with respect to the logits.
    input_grad : bool, default=True
        False when only the parameter gradients are needed (training).

    Returns
    -------
    dX : ndarray of shape (n_samples, channels, height, width) or None
        The gradient with respect to the input; None if not ``input_grad``.
    """
    for layer in layers[:0:-1]:
        dout = layer.backward(dout)
    return layers[0].backward(dout, input_grad=input_grad)


def parameters(layers):
    """List every parameter array (not a copy), layer by layer, key by key.

    Parameters
    ----------
    layers : list of Layer
        A built stack.

    Returns
    -------
    params : list of ndarray
        The arrays the optimizers update in place.
    """
    return [param for layer in layers for param in layer.params.values()]


def gradients(layers):
    """List every gradient array, in the order of :func:`parameters`.

    Parameters
    ----------
    layers : list of Layer
        A built stack.

    Returns
    -------
    grads : list of ndarray
        Written by the last :func:`backward`.
    """
    return [layer.grads[key] for layer in layers for key in layer.params]


def clear_caches(layers):
    """Drop what training forward passes kept (before pickling, say).

    Parameters
    ----------
    layers : list of Layer
        A built stack.
    """
    for layer in layers:
        layer.clear_cache()
