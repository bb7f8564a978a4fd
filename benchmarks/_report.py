"""The report: plain-text tables of the results, and the JSON file."""

import json
import statistics

from ._workloads import FULL_EPOCH, INFERENCE_BATCH

NOT_INSTALLED = "torch not installed"


def spread(values):
    """``{"median", "min", "max", "values"}`` of a list of timings."""
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "values": list(values),
    }


def per_epoch(seconds, n):
    """Seconds for a 60,000-sample epoch, from seconds for ``n`` samples."""
    return seconds * FULL_EPOCH / n


def table(headers, rows, title=None):
    """Print rows as plain text with aligned columns (numbers right-aligned)."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [
        max(len(str(h)), *(len(r[i]) for r in cells)) if cells else len(str(h))
        for i, h in enumerate(headers)
    ]
    # A column holding any number is right-aligned (notes such as "torch not
    # installed" in it too); text columns are left-aligned.
    numeric = [any(_is_number(row[i]) for row in rows) for i in range(len(headers))]
    if title:
        print(f"\n{title}")

    def line(values):
        return "  ".join(
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric)
        ).rstrip()

    print(line([str(h) for h in headers]))
    print(line(["-" * w for w in widths]))
    for row in cells:
        print(line(row))


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        if abs(value) >= 0.01:
            return f"{value:.3f}"
        return f"{value:.2e}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


class Report:
    """The tables of one run.

    Parameters
    ----------
    results : list of dict
        One per workload, from :func:`benchmarks._run.run_workload`.
    peak : float
        The float32 matmul peak, GFLOP/s.
    threads : int
    torch_version : str or None
        None when torch is not installed.
    """

    def __init__(self, results, peak, threads, torch_version):
        self.results = results
        self.peak = peak
        self.threads = threads
        self.torch_version = torch_version
        self.n = results[0]["n_train"] if results else 0

    def print(self):
        self.training()
        self.ratios()
        self.inference()
        self.accuracy()
        self.memory()
        self.gflops()

    @property
    def torch_label(self):
        return "torch" if self.torch_version is None else f"torch {self.torch_version}"

    def no_torch(self, skipped="skipped (--skip-torch)"):
        """Why a workload has no torch figures."""
        return NOT_INSTALLED if self.torch_version is None else skipped

    def training(self):
        n = self.n
        rows = []
        for r in self.results:
            rows.append(self._epoch_row(r, "skconv", r["skconv_epoch_s"],
                                        r["skconv_cpu_per_wall"]))
            if "torch_epoch_s" in r:
                rows.append(self._epoch_row(r, self.torch_label, r["torch_epoch_s"],
                                            r["torch_cpu_per_wall"]))
            else:
                rows.append([r["workload"], "torch"] + [None] * 7 + [self.no_torch()])
            if "tutorial_s_per_sample" in r:
                rows.append([
                    r["workload"], "tutorial CNN", None, None, None,
                    r["tutorial_s_per_sample"] * FULL_EPOCH,
                    1 / r["tutorial_s_per_sample"], r["tutorial_cpu_per_wall"], 1,
                    f"extrapolated from {r['tutorial_samples']} samples",
                ])
        table(
            ["workload", "implementation", f"s/epoch ({n:,})", "min", "max",
             "s per 60k epoch" + (" (scaled)" if n != FULL_EPOCH else ""),
             "samples/s", "cpu/wall", "repeats", "note"],
            rows,
            "a-c. Training time per epoch (Adam, batch 64, float32, "
            f"{self.threads} threads; median and min-max over repeats; cpu/wall = "
            "process CPU time / wall time, far below 1 when threads wait for a core)",
        )

    def _epoch_row(self, r, label, s, cpu_per_wall):
        n = self.n
        return [r["workload"], label, s["median"], s["min"], s["max"],
                per_epoch(s["median"], n), n / s["median"], cpu_per_wall,
                len(s["values"]), ""]

    def ratios(self):
        rows = []
        for r in self.results:
            sk = r["skconv_epoch_s"]["median"]
            if "torch_epoch_s" in r:
                ratio_torch = sk / r["torch_epoch_s"]["median"]
            else:
                ratio_torch = self.no_torch(skipped=None)
            speedup = (
                r["tutorial_s_per_sample"] * self.n / sk
                if "tutorial_s_per_sample" in r
                else None
            )
            rows.append([r["workload"], ratio_torch, speedup,
                         r.get("initial_logit_max_abs_diff"),
                         r.get("first_batch_grad_rel_diff")])
        table(
            ["workload", "skconv/torch time", "speedup skconv vs tutorial",
             "initial logits |diff|", "first-batch grads rel. diff"],
            rows,
            "Ratios (same run; the tutorial time is extrapolated) and same-start "
            "checks",
        )

    def inference(self):
        rows = []
        for r in self.results:
            s = r["skconv_images_per_s"]
            rows.append([r["workload"], "skconv predict_proba", s["median"],
                         s["min"], s["max"], r["n_test"]])
            if "torch_images_per_s" in r:
                t = r["torch_images_per_s"]
                rows.append([r["workload"], f"{self.torch_label} eval/no_grad",
                             t["median"], t["min"], t["max"], r["n_test"]])
            else:
                rows.append([r["workload"], "torch", self.no_torch(skipped="skipped"),
                             None, None, None])
        table(
            ["workload", "implementation", "images/s", "min", "max", "test images"],
            rows,
            f"d. Inference throughput at batch {INFERENCE_BATCH}",
        )

    def accuracy(self):
        rows = [
            [r["workload"], r["epochs_trained"], r["skconv_test_accuracy"],
             r.get("torch_test_accuracy", self.no_torch(skipped=None)),
             r["skconv_loss_curve"][-1], (r.get("torch_loss_curve") or [None])[-1]]
            for r in self.results
        ]
        table(
            ["workload", "epochs", "skconv accuracy", "torch accuracy",
             "skconv loss", "torch loss"],
            rows,
            f"e. Test accuracy after the epochs trained ({self.n:,} training images; "
            "same initial weights and batch order)",
        )

    def memory(self):
        rows = [
            [r["workload"], m["n_samples"], m["data_mb"],
             m["tracemalloc_peak_over_data_mb"], m["rss_before_fit_mb"],
             m["peak_rss_mb"], m["peak_rss_over_data_mb"]]
            for r in self.results
            if (m := r.get("memory"))
        ]
        if rows:
            table(
                ["workload", "samples", "data MB", "peak over data MB (tracemalloc)",
                 "RSS before fit MB", "peak RSS MB", "peak RSS over data MB"],
                rows,
                "f. Memory of one fit epoch (fresh subprocess, torch not imported; "
                "'RSS before fit' = imports + data + a tiny warm-up fit; "
                "'over data' = beyond that)",
            )

    def gflops(self):
        rows = [row for r in self.results for row in r.get("_gflops_rows", [])]
        if not rows:
            return
        table(
            ["workload", "layer", "fwd s", "fwd GFLOP/s", "bwd s", "bwd GFLOP/s",
             "% epoch"],
            rows,
            f"g. Time and achieved GFLOP/s per layer in one skconv epoch of "
            f"{self.n:,} samples (float32 matmul peak: {self.peak:.1f} GFLOP/s, "
            f"np.dot 2048x2048, {self.threads} threads)",
        )
        for r in self.results:
            g = r["gflops"]
            print(
                f"  {r['workload']}: {g['epoch_gflop']:.1f} GFLOP per epoch, "
                f"{g['epoch_gflops_per_s']:.2f} GFLOP/s = "
                f"{100 * g['fraction_of_matmul_peak']:.1f}% of the matmul peak"
            )


def write_json(path, info, peak, source, args, results):
    """All results (without the table rows, keys starting with ``_``) to ``path``."""
    payload = {
        "machine": info,
        "matmul_peak_gflops": peak,
        "data": source,
        "args": vars(args),
        "results": [
            {k: v for k, v in r.items() if not k.startswith("_")} for r in results
        ],
    }
    with open(path, "w") as f:
        json.dump(payload, f, indent=2, default=str)
