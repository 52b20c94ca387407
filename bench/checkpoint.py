"""What a checkpoint costs: csnn.save and csnn.load of the brunel_delta network.

    python bench/checkpoint.py [--order 2500] [--simtime 100]

Builds brunel_delta (networks.py) of ``order``, simulates ``simtime`` ms, saves the kernel,
and simulates ``simtime`` ms more as the reference.  A fresh process loads the file and
simulates the same ``simtime`` ms; its spike count must equal the reference's (a checkpoint
continues bit-identically, tests/test_checkpoint.py).  Prints the save and load times, the file
size per connection and the peak memory of both processes (Linux: the loading process reads its
own from /proc).  NEST has no checkpoint, so there is no peer column.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import csnn
import networks
from shared import SEED

# the peak resident memory of the loading process is read from /proc (VmHWM): its ru_maxrss
# would start from the parent's peak, which a forked child inherits
LOAD = """
import json, sys, time
import csnn
start = time.perf_counter()
csnn.load(sys.argv[1])
loaded = time.perf_counter() - start
csnn.Simulate(float(sys.argv[2]))
with open("/proc/self/status") as status:
    peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"load_s": loaded, "spikes": csnn.GetKernelStatus("local_spike_counter"),
                  "peak_rss_mb": peak_kb / 1024}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--order", type=int, default=2500, help="brunel_delta order (5 x order neurons)")
    parser.add_argument("--simtime", type=float, default=100.0, help="ms simulated before and after the save")
    args = parser.parse_args()
    csnn.set_verbosity("M_ERROR")
    csnn.SetKernelStatus({"rng_seed": SEED})
    networks.brunel_delta(csnn, args.order, args.simtime)
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "brunel.csnn")
        start = time.perf_counter()
        csnn.save(path)
        saved = time.perf_counter() - start
        size = os.path.getsize(path)
        csnn.Simulate(args.simtime)
        loaded = json.loads(subprocess.run([sys.executable, "-c", LOAD, path, str(args.simtime)], check=True,
                                           capture_output=True, text=True).stdout)
    connections = csnn.GetKernelStatus("num_connections")
    reference = csnn.GetKernelStatus("local_spike_counter")
    print(f"brunel_delta order {args.order}: {5 * args.order} neurons, {connections} connections, "
          f"{args.simtime:g} ms before and after the checkpoint")
    print(f"save {saved:.2f} s, file {size / 2 ** 20:.1f} MiB ({size / connections:.1f} bytes per connection), "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB (building included)")
    print(f"load {loaded['load_s']:.2f} s in a fresh process, peak RSS {loaded['peak_rss_mb']:.0f} MiB")
    print(f"spikes after the checkpoint: {loaded['spikes']} loaded, {reference} uninterrupted "
          f"({'identical' if loaded['spikes'] == reference else 'DIFFERENT'})")
    if loaded["spikes"] != reference:
        sys.exit(1)


if __name__ == "__main__":
    main()
