"""The Fashion-MNIST recipe in skconv and its PyTorch twin: test accuracy.

Run from the repository root::

    python benchmarks/bench_fashion_recipe.py                   # both frameworks
    python benchmarks/bench_fashion_recipe.py --framework torch
    python benchmarks/bench_fashion_recipe.py --quick           # smoke test
    python benchmarks/bench_fashion_recipe.py --framework skconv \
        --set 'filters=[32, 64, 128]' --set batch_size=128 --flip-tta  # a variant

The recipe is the one ``examples/plot_fashion_mnist.py`` trains (keep the
two in step: :data:`RECIPE` here, the estimator there). The twin is the same
network in ``torch.nn`` -- ``[(Conv 3x3 'same' -> BatchNorm -> ReLU) x 2 ->
MaxPool 2]`` per block (skconv pools before the last ReLU: the same maps),
``Flatten -> Linear -> BatchNorm -> ReLU -> Dropout ->
Linear`` -- trained with the same optimizer (AdamW, decoupled weight decay
on weights only, not on biases and batch-norm parameters), the same cosine
schedule stepped per epoch, the same batch size and epochs, and the same
augmentation: each batch goes through :meth:`skconv.Augmentation.augment`
in NumPy before PyTorch sees it. Its weights start from PyTorch's own
initialisation and its batches from its own shuffle, so the two runs are
two draws of one recipe, not one computation: the accuracy reference of
issue 10 ("skconv within 0.5 point of it").

Both train on all 60,000 training images and score the 10,000 test images
after every epoch (a curve only: nothing is chosen by it) and at the end.
"""

import argparse
import json
import math
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from skconv import Augmentation, ConvNetClassifier
from skconv.datasets import load_fashion_mnist

try:
    from benchmarks._machine import machine_info, print_machine
except ImportError:  # run as a script from benchmarks/
    from _machine import machine_info, print_machine

#: The recipe of examples/plot_fashion_mnist.py.
RECIPE = dict(
    filters=(32, 64), convolutions_per_block=2, hidden_layer_sizes=(128,),
    batch_normalization=True, dropout=0.3, solver="adamw", weight_decay=5e-4, alpha=0.0,
    label_smoothing=0.0, learning_rate="cosine", learning_rate_init=3e-3, batch_size=128,
    max_iter=14,
)
AUGMENTATION = dict(shift=2, horizontal_flip=True)


def run_skconv(X, y, X_test, y_test, epochs, seed, changes=None, flip_tta=False):
    """Train the recipe (with ``changes`` to its parameters); the test scores per
    epoch and the seconds taken. With ``flip_tta``, also print the accuracy of
    predictions averaged over each test image and its mirror image."""
    clf = ConvNetClassifier(**{**RECIPE, "max_iter": epochs, **(changes or {})},
                            augmentation=Augmentation(**AUGMENTATION),
                            random_state=seed, verbose=1)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y, X_val=X_test, y_val=y_test)
    seconds = time.perf_counter() - start
    if flip_tta:
        images = X_test.reshape(-1, *clf.image_shape_)
        mirrored = images[..., ::-1].reshape(X_test.shape)
        proba = clf.predict_proba(X_test) + clf.predict_proba(mirrored)
        accuracy = np.mean(clf.classes_[proba.argmax(axis=1)] == y_test)
        print(f"RESULT skconv test accuracy with mirrored test images averaged in "
              f"{accuracy:.4f}", flush=True)
    return clf.validation_scores_, seconds


def torch_network(torch, n_classes, size=28):
    """The recipe's network in torch.nn (padding 'same', pool after each block)."""
    nn = torch.nn
    modules, channels = [], 1
    for n_filters in RECIPE["filters"]:
        for _ in range(RECIPE["convolutions_per_block"]):
            modules += [nn.Conv2d(channels, n_filters, 3, padding=1),
                        nn.BatchNorm2d(n_filters), nn.ReLU()]
            channels = n_filters
        modules.append(nn.MaxPool2d(2))
        size //= 2
    n_inputs = channels * size * size
    for n_units in RECIPE["hidden_layer_sizes"]:
        modules += [nn.Flatten(), nn.Linear(n_inputs, n_units), nn.BatchNorm1d(n_units),
                    nn.ReLU(), nn.Dropout(RECIPE["dropout"])]
        n_inputs = n_units
    modules.append(nn.Linear(n_inputs, n_classes))
    return nn.Sequential(*modules)


def run_torch(X, y, X_test, y_test, epochs, seed):
    import torch

    torch.manual_seed(seed)
    model = torch_network(torch, n_classes=10)
    weights = [p for name, p in model.named_parameters()
               if name.endswith("weight") and p.dim() > 1]  # not biases, not BN
    others = [p for name, p in model.named_parameters()
              if not (name.endswith("weight") and p.dim() > 1)]
    lr = RECIPE["learning_rate_init"]
    optimizer = torch.optim.AdamW(
        [{"params": weights, "weight_decay": RECIPE["weight_decay"]},
         {"params": others, "weight_decay": 0.0}], lr=lr, betas=(0.9, 0.999), eps=1e-8)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda epoch: 0.5 * (1 + math.cos(math.pi * min(epoch, epochs) / epochs)))
    augmentation = Augmentation(**AUGMENTATION)
    rng = np.random.RandomState(seed)
    images = X.reshape(-1, 1, 28, 28)
    test_images = torch.from_numpy(X_test.reshape(-1, 1, 28, 28))
    labels = torch.from_numpy(y.astype(np.int64))
    # PyTorch's label smoothing is skconv's: (1 - e) * one_hot + e / n_classes.
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=RECIPE["label_smoothing"])
    scores, start = [], time.perf_counter()
    for epoch in range(epochs):
        model.train()
        order = rng.permutation(len(X))
        epoch_start = time.perf_counter()
        for first in range(0, len(order), RECIPE["batch_size"]):
            idx = order[first:first + RECIPE["batch_size"]]
            if len(idx) < 2:
                continue  # batch norm needs two samples
            batch = torch.from_numpy(augmentation.augment(images[idx], rng))
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(batch), labels[idx])
            loss.backward()
            optimizer.step()
        schedule.step()
        model.eval()
        with torch.no_grad():
            predicted = torch.cat([model(chunk).argmax(1)
                                   for chunk in test_images.split(1000)]).numpy()
        scores.append(float((predicted == y_test).mean()))
        print(f"torch epoch {epoch + 1:2d}: test accuracy {scores[-1]:.4f}, "
              f"{time.perf_counter() - epoch_start:.1f} s", flush=True)
    return scores, time.perf_counter() - start


RUNNERS = {"skconv": run_skconv, "torch": run_torch}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", choices=["both", *RUNNERS], default="both")
    parser.add_argument("--epochs", type=int, default=RECIPE["max_iter"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS threads (skconv) and intra-op threads (torch); "
                             "default: the libraries' own choice")
    parser.add_argument("--quick", action="store_true",
                        help="2,000 training and 1,000 test images, 2 epochs")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=JSON",
                        help="skconv only: change a parameter of the recipe, its "
                             "value in JSON (lists become tuples); repeatable")
    parser.add_argument("--flip-tta", action="store_true",
                        help="skconv only: also score the test images averaged "
                             "with their mirror images (test-time augmentation)")
    args = parser.parse_args(argv)
    if (args.set or args.flip_tta) and args.framework != "skconv":
        parser.error("--set and --flip-tta apply to the skconv recipe only: "
                     "add --framework skconv")
    changes, parameters = {}, ConvNetClassifier().get_params()
    for item in args.set:
        name, _, text = item.partition("=")
        try:  # no "=" leaves text empty, which is not JSON either
            value = json.loads(text)
        except json.JSONDecodeError:
            parser.error(f"--set expects NAME=JSON, such as batch_size=128; "
                         f"got {item!r}")
        if name not in parameters:
            parser.error(f"--set: {name!r} is not a ConvNetClassifier parameter; "
                         f"expected one of {sorted(parameters)}")
        changes[name] = tuple(value) if isinstance(value, list) else value
    print_machine(machine_info(), "skconv Fashion-MNIST recipe benchmark")
    X, y = load_fashion_mnist(return_X_y=True)
    X_test, y_test = load_fashion_mnist(return_X_y=True, kind="test")
    epochs = args.epochs
    if args.quick:
        X, y, X_test, y_test, epochs = X[:2000], y[:2000], X_test[:1000], y_test[:1000], 2
    print(f"recipe {RECIPE}\nchanges {changes}\naugmentation {AUGMENTATION}")
    for name in RUNNERS if args.framework == "both" else [args.framework]:
        with threadpool_limits(args.threads):
            if name == "torch" and args.threads:
                import torch

                torch.set_num_threads(args.threads)
            extra = {}
            if name == "skconv":
                extra = {"changes": changes, "flip_tta": args.flip_tta}
            scores, seconds = RUNNERS[name](X, y, X_test, y_test, epochs, args.seed,
                                            **extra)
        print(f"RESULT {name:6s} test accuracy {scores[-1]:.4f} (best epoch "
              f"{max(scores):.4f}) after {epochs} epochs, {seconds:.0f} s", flush=True)


if __name__ == "__main__":
    main()
