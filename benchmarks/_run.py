"""One workload measured: training, inference, checks, tutorial, layers, memory."""

import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from . import _torch_mirror as mirror
from ._memory import measure_memory
from ._profile import gflops_rows, instrumented_epoch
from ._replay import batch_size, epoch_orders, initial_state, replay_check
from ._report import spread
from ._workloads import (
    IMAGE_SHAPE,
    INFERENCE_BATCH,
    N_CLASSES,
    SEED,
    WORKLOADS,
    make_skconv,
)
from .tutorial_cnn import TutorialCNN

#: Samples (and epochs) of the check that the replay trains as the estimator.
REPLAY_SAMPLES = 600
REPLAY_EPOCHS = 2


def run_workload(name, args, data, peak):
    """Every measurement of workload ``name``, as one dict for the report."""
    X_train, y_train, X_test, y_test = data
    n = len(X_train)
    result = {"workload": name, "n_train": n, "n_test": len(X_test)}
    use_torch = mirror.torch is not None and not args.skip_torch
    epochs = max(args.repeats, args.epochs if args.accuracy else 0)

    # Same initial weights and the same batch order for both frameworks.
    clf = make_skconv(name)
    init_layers, rng = initial_state(clf, IMAGE_SHAPE, N_CLASSES)
    orders = epoch_orders(rng, n, epochs)
    size = batch_size(clf, n)
    model = optimizer = None
    if use_torch:
        model = mirror.torch_model(init_layers)
        optimizer = mirror.torch_optimizer(model, clf)
        result.update(
            same_start_checks(init_layers, model, X_train, y_train, orders[0][:size])
        )

    result.update(train(name, clf, model, optimizer, X_train, y_train, orders, args))
    result.update(skconv_inference(clf, X_test, y_test, args.repeats))
    if use_torch:
        images_per_s, proba = mirror.inference(
            model, X_test.reshape((-1,) + IMAGE_SHAPE), INFERENCE_BATCH, args.repeats
        )
        result["torch_images_per_s"] = spread(images_per_s)
        result["torch_test_accuracy"] = float(np.mean(proba.argmax(1) == y_test))

    result["replay"] = check_replay(name, X_train, y_train)
    if not args.skip_tutorial:
        result.update(tutorial_time(name, X_train, y_train, args.tutorial_samples))
    if not args.skip_gflops:
        # Time inside every layer for one more epoch (on a copy of the model).
        stats, total, trained = instrumented_epoch(clf, X_train, y_train)
        rows, summary = gflops_rows(name, trained, stats, total, n, peak)
        result["gflops"] = summary
        result["_gflops_rows"] = rows
    if not args.skip_memory:
        result["memory"] = measure_memory(
            name, args.n_train, args.data_home, args.quick or args.random_data,
            args.threads,
        )
    return result


def same_start_checks(layers, model, X, y, idx, image_shape=IMAGE_SHAPE):
    """Initial logits and gradients on the samples ``idx``, in skconv and torch."""
    images = X[idx].reshape((-1,) + tuple(image_shape))
    loss_diff, grad_diff = mirror.first_batch_check(
        layers, model, images, y[idx], N_CLASSES
    )
    return {
        "initial_logit_max_abs_diff": mirror.initial_logit_diff(layers, model, images),
        "first_batch_loss_abs_diff": loss_diff,
        "first_batch_grad_rel_diff": grad_diff,
    }


def train(name, clf, model, optimizer, X, y, orders, args, image_shape=IMAGE_SHAPE):
    """Interleaved epochs: ``clf.partial_fit``, then the torch twin on the same order.

    The first ``args.repeats`` epochs are the timed ones; all of them count
    for the accuracy.
    """
    use_torch = model is not None
    size = batch_size(clf, len(X))
    if use_torch:
        Xt = mirror.torch.from_numpy(X.reshape((-1,) + tuple(image_shape)))
        yt = mirror.torch.from_numpy(y.astype(np.int64))
    classes = np.arange(N_CLASSES)
    sk_times, torch_times, sk_losses, torch_losses = [], [], [], []
    sk_cpu, torch_cpu = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for epoch, order in enumerate(orders):
            start, cpu = time.perf_counter(), time.process_time()
            clf.partial_fit(X, y, classes=classes)
            sk_times.append(time.perf_counter() - start)
            sk_cpu.append(time.process_time() - cpu)
            sk_losses.append(clf.loss_curve_[-1])
            line = (
                f"  {name} epoch {epoch + 1}/{len(orders)}: skconv "
                f"{sk_times[-1]:.2f} s (loss {sk_losses[-1]:.4f})"
            )
            if use_torch:
                start, cpu = time.perf_counter(), time.process_time()
                loss = mirror.torch_epoch(model, optimizer, Xt, yt, order, size)
                torch_times.append(time.perf_counter() - start)
                torch_cpu.append(time.process_time() - cpu)
                torch_losses.append(loss)
                line += f", torch {torch_times[-1]:.2f} s (loss {torch_losses[-1]:.4f})"
            print(line, flush=True)
    R = args.repeats
    result = {
        "skconv_epoch_s": spread(sk_times[:R]),
        "skconv_cpu_per_wall": sum(sk_cpu[:R]) / sum(sk_times[:R]),
        "skconv_loss_curve": sk_losses,
        "epochs_trained": len(orders),
    }
    if use_torch:
        result["torch_epoch_s"] = spread(torch_times[:R])
        result["torch_cpu_per_wall"] = sum(torch_cpu[:R]) / sum(torch_times[:R])
        result["torch_loss_curve"] = torch_losses
    return result


def skconv_inference(clf, X, y, repeats):
    """``predict_proba`` throughput at batch 1000 (after one untimed pass)."""

    def predict():
        return np.vstack(
            [
                clf.predict_proba(X[i : i + INFERENCE_BATCH])
                for i in range(0, len(X), INFERENCE_BATCH)
            ]
        )

    predict()  # warm-up, untimed (as for torch)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        proba = predict()
        times.append(time.perf_counter() - start)
    return {
        "skconv_images_per_s": spread([len(X) / t for t in times]),
        "skconv_test_accuracy": float(np.mean(proba.argmax(1) == y)),
    }


def check_replay(name, X, y):
    """Whether the replay (hence torch's start and batch order) is the estimator's."""
    m = min(REPLAY_SAMPLES, len(X))
    check = replay_check(make_skconv(name), X[:m], y[:m], N_CLASSES, REPLAY_EPOCHS)
    print(
        f"  {name} replay of {check['epochs']} partial_fit epochs on "
        f"{check['samples']} samples from skconv's public API: weights |diff| "
        f"{check['param_max_abs_diff']:.2e}, loss |diff| "
        f"{check['loss_max_abs_diff']:.2e}",
        flush=True,
    )
    if check["param_max_abs_diff"] > 1e-5:
        print(
            "WARNING           the replay does not train as the estimator does: "
            "torch may not start from skconv's weights or see its batch order"
        )
    return check


def tutorial_time(name, X, y, samples):
    """Seconds per sample of the tutorial CNN's epoch on the first ``samples``."""
    m = min(samples, len(X))
    net = TutorialCNN(
        filters=WORKLOADS[name]["filters"],
        hidden_layer_sizes=WORKLOADS[name]["hidden_layer_sizes"],
        solver="adam",
        learning_rate=1e-3,
        batch_size=64,
        random_state=SEED,
    )
    images = X[:m].reshape((-1,) + IMAGE_SHAPE).astype(np.float64)
    start, cpu = time.perf_counter(), time.process_time()
    net.train_epoch(images, y[:m])
    seconds = time.perf_counter() - start
    return {
        "tutorial_cpu_per_wall": (time.process_time() - cpu) / seconds,
        "tutorial_samples": m,
        "tutorial_s_per_sample": seconds / m,
    }
