"""skconv's speed benchmarks; ``python -m benchmarks.bench_fashion --help``.

Importing the package imports nothing else: the memory subprocess
(``benchmarks._memory``) must stay free of torch.
"""
