"""skconv against PyTorch across the architectures a grid search visits.

Issue 13's targets 1 and 2: training at most 0.75x PyTorch's epoch time and
inference at least 2x PyTorch's images/s at batch 1000, on a grid of
configurations, not only the two published networks: kernels 3 to 7,
'same' and 'valid' padding, 1 to 4 convolution blocks, 8 to 128 filters,
batches of 32 to 256, 1 and 3 channels, with and without batch
normalisation.

Each configuration is timed as ``bench_fashion.py`` times its two networks
(and with its helpers): PyTorch starts from skconv's initial weights and
gets skconv's batch order; skconv's ``partial_fit`` epochs and PyTorch's
alternate; the first epoch of each is a warm-up, the next ``--repeats`` are
timed (median). Inference: ``predict_proba`` against ``eval()`` +
``no_grad()``, batches of 1000 test images, after one untimed pass.

Data: Fashion-MNIST (28x28); the 3-channel configurations stack each image,
its mirror image and its transpose as three channels.

Usage, from the repository root::

    python benchmarks/bench_grid.py --quick            # 5 configurations, small data
    python benchmarks/bench_grid.py                    # all 16, 10,000 images
    python benchmarks/bench_grid.py --configs SMALL K5_SAME3 --layers
    python benchmarks/bench_grid.py --threads 1        # both libraries on one thread

``--layers`` adds skconv's time per layer (one more epoch, instrumented)
with the GFLOP/s each layer reached against the machine's matmul peak.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import the checkout it lives in
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Import torch (through the mirror) before threadpoolctl limits the pools.
import numpy as np
import threadpoolctl

from benchmarks import _machine, _report, _run, _workloads
from benchmarks import _torch_mirror as mirror
from benchmarks._profile import gflops_rows, instrumented_epoch
from benchmarks._replay import batch_size, epoch_orders, initial_state
from skconv import ConvNetClassifier

#: name -> (channels, filters, kernel_size, padding, batch_size, batch_norm, hidden)
CONFIGS = {
    "SMALL": (1, (8, 16), 3, "valid", 64, False, 64),
    "KERAS": (1, (32, 64), 3, "valid", 64, False, 128),
    "K5_VALID": (1, (16, 32), 5, "valid", 64, False, 64),
    "K7_SAME": (1, (8, 16), 7, "same", 32, False, 64),
    "SAME3": (1, (32, 64, 128), 3, "same", 64, False, 128),
    "K5_SAME3": (1, (16, 32, 64), 5, "same", 128, False, 64),
    "ONE_8": (1, (8,), 3, "same", 32, False, 64),
    "ONE_128_K5": (1, (128,), 5, "valid", 256, False, 64),
    "FOUR_BLOCKS": (1, (16, 32, 64, 128), 3, "same", 128, False, 128),
    "K7_VALID": (1, (32,), 7, "valid", 128, False, 128),
    "BATCH_256": (1, (32, 64), 3, "valid", 256, False, 128),
    "BN_SMALL": (1, (8, 16), 3, "valid", 64, True, 64),
    "BN_K5_SAME": (1, (32, 64), 5, "same", 128, True, 128),
    "RGB_SMALL": (3, (8, 16), 3, "valid", 64, False, 64),
    "RGB_K5_SAME": (3, (32, 64), 5, "same", 64, False, 128),
    "RGB_BN_SAME3": (3, (16, 32, 64), 3, "same", 256, True, 64),
}
QUICK = ["SMALL", "K5_SAME3", "FOUR_BLOCKS", "BN_SMALL", "RGB_K5_SAME"]


def make_estimator(name):
    channels, filters, kernel, padding, batch, bn, hidden = CONFIGS[name]
    common = {k: v for k, v in _workloads.COMMON.items()
              if k not in ("kernel_size", "padding", "batch_size")}
    return ConvNetClassifier(
        image_shape=(channels, 28, 28), filters=filters, kernel_size=kernel,
        padding=padding, batch_size=batch, batch_normalization=bn,
        hidden_layer_sizes=(hidden,), random_state=_workloads.SEED, **common,
    )


def in_channels(X, channels):
    """``X`` (rows of 28x28 images) with ``channels`` channels per image."""
    if channels == 1:
        return X
    images = X.reshape(-1, 28, 28)
    stacked = np.stack([images, images[:, :, ::-1], images.transpose(0, 2, 1)], axis=1)
    return np.ascontiguousarray(stacked[:, :channels]).reshape(len(X), -1)


def run_config(name, args, data, peak):
    """Epoch times, inference rates and checks of one configuration."""
    X_train, y_train, X_test, y_test = data
    channels = CONFIGS[name][0]
    X_train, X_test = in_channels(X_train, channels), in_channels(X_test, channels)
    image_shape = (channels, 28, 28)
    clf = make_estimator(name)
    n = len(X_train)
    layers, rng = initial_state(clf, image_shape, _workloads.N_CLASSES)
    epochs = args.repeats + 1  # the first is a warm-up
    orders = epoch_orders(rng, n, epochs)
    result = {"config": name, "params": clf.get_params(), "n_train": n}
    model = optimizer = None
    if mirror.torch is not None and not args.skip_torch:
        model = mirror.torch_model(layers)
        optimizer = mirror.torch_optimizer(model, clf)
        size = batch_size(clf, n)
        result.update(_run.same_start_checks(layers, model, X_train, y_train,
                                             orders[0][:size], image_shape))
    settings = argparse.Namespace(repeats=epochs)
    trained = _run.train(name, clf, model, optimizer, X_train, y_train, orders,
                         settings, image_shape)
    result["skconv_epoch_s"] = statistics.median(trained["skconv_epoch_s"]["values"][1:])
    result["skconv_cpu_per_wall"] = trained["skconv_cpu_per_wall"]
    if model is not None:
        result["torch_epoch_s"] = statistics.median(trained["torch_epoch_s"]["values"][1:])
        result["torch_cpu_per_wall"] = trained["torch_cpu_per_wall"]
    inference = _run.skconv_inference(clf, X_test, y_test, args.repeats)
    result["skconv_images_per_s"] = inference["skconv_images_per_s"]["median"]
    if model is not None:
        rates, _ = mirror.inference(model, X_test.reshape((-1,) + image_shape),
                                    _workloads.INFERENCE_BATCH, args.repeats)
        result["torch_images_per_s"] = statistics.median(rates)
    if args.layers:
        stats, total, fitted = instrumented_epoch(clf, X_train, y_train)
        rows, summary = gflops_rows(name, fitted, stats, total, n, peak)
        result["layers"] = summary
        _report.table(["config", "layer", "fwd s", "fwd GFLOP/s", "bwd s",
                       "bwd GFLOP/s", "% of epoch"], rows,
                      f"{name}: skconv per layer (matmul peak {peak:.0f} GFLOP/s)")
    return result


def print_summary(results, n_train):
    rows = []
    for r in results:
        train_ratio = (r["skconv_epoch_s"] / r["torch_epoch_s"]) if "torch_epoch_s" in r else None
        infer_ratio = (r["skconv_images_per_s"] / r["torch_images_per_s"]
                       if "torch_images_per_s" in r else None)
        r["train_ratio"], r["inference_ratio"] = train_ratio, infer_ratio
        rows.append([
            r["config"], _report.per_epoch(r["skconv_epoch_s"], n_train),
            _report.per_epoch(r["torch_epoch_s"], n_train) if train_ratio else None,
            train_ratio, r["skconv_images_per_s"], r.get("torch_images_per_s"),
            infer_ratio, r.get("first_batch_grad_rel_diff"),
        ])
    _report.table(
        ["config", "skconv s/60k", "torch s/60k", "train ratio (<=0.75)",
         "skconv img/s", "torch img/s", "inference ratio (>=2)", "grad rel diff"],
        rows, "skconv against PyTorch (training: median epoch, scaled to 60,000 images)",
    )
    ratios = [r["train_ratio"] for r in results if r["train_ratio"]]
    if ratios:
        infer = [r["inference_ratio"] for r in results]
        print(f"\ntraining ratio: geometric mean {statistics.geometric_mean(ratios):.2f}, "
              f"worst {max(ratios):.2f}; {sum(x <= 0.75 for x in ratios)}/{len(ratios)} "
              "configurations at or below 0.75")
        print(f"inference ratio: geometric mean {statistics.geometric_mean(infer):.2f}, "
              f"worst {min(infer):.2f}; {sum(x >= 2 for x in infer)}/{len(infer)} at or "
              "above 2")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"{len(QUICK)} configurations, 1,024 images, 1 repeat")
    parser.add_argument("--configs", nargs="+", choices=sorted(CONFIGS))
    parser.add_argument("--n-train", type=int, default=None)
    parser.add_argument("--n-test", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None,
                        help="limit BLAS and torch to this many threads "
                        "(default: each library's own choice)")
    parser.add_argument("--layers", action="store_true", help="skconv's time per layer")
    parser.add_argument("--skip-torch", action="store_true")
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    args.configs = args.configs or (QUICK if args.quick else list(CONFIGS))
    args.n_train = args.n_train or (1024 if args.quick else 10_000)
    args.n_test = args.n_test or (1000 if args.quick else 10_000)
    args.repeats = args.repeats or (1 if args.quick else 3)
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.threads is None:
        run(args)
        return
    mirror.set_threads(args.threads)
    with threadpoolctl.threadpool_limits(limits=args.threads):
        run(args)


def run(args):
    started = time.perf_counter()
    info = _machine.machine_info(mirror.version())
    _machine.print_machine(info, "skconv grid benchmark (issue 13, targets 1 and 2)")
    threads = args.threads or "library-default"
    _machine.warn_if_busy(_machine.other_cpu_load(), "before the run", threads)
    X_train, y_train, X_test, y_test, source = _workloads.load_data(
        args.data_home, args.n_train, args.n_test, args.quick
    )
    peak = _machine.matmul_peak() if args.layers else None
    print(f"data              {source}: {len(X_train):,} training and {len(X_test):,} "
          f"test images; {args.repeats} timed epoch(s) after a warm-up")
    results = []
    for name in args.configs:
        print(f"\n{name}: {make_estimator(name)}", flush=True)
        results.append(run_config(name, args, (X_train, y_train, X_test, y_test), peak))
    print_summary(results, len(X_train))
    _machine.warn_if_busy(_machine.other_cpu_load(), "after the run", threads)
    print(f"\ntotal benchmark time {time.perf_counter() - started:.0f} s")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"machine": info, "results": results}, out, indent=1, default=str)
        print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
