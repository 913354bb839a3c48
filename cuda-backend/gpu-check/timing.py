"""What both PyTorch scripts of the GPU check share (torch_bench.py, torch_models.py): the timing, the
median of five trials of about 0.3 s, timed with CUDA events after a warm-up; the report line,
torch,case,seconds,rate,unit; and the device-to-device copy both set figures beside. Never yet run
on a GPU as a module of its own."""
import statistics

import torch


def time(op, trial_seconds=0.3):
    for _ in range(3):
        op()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    op()
    end.record()
    end.synchronize()
    once = max(start.elapsed_time(end) / 1e3, 1e-7)
    iterations = max(1, min(100_000, int(trial_seconds / once)))
    trials = []
    for _ in range(5):
        start.record()
        for _ in range(iterations):
            op()
        end.record()
        end.synchronize()
        trials.append(start.elapsed_time(end) / 1e3 / iterations)
    return statistics.median(trials)


def report(name, seconds, rate, unit):
    print(f"torch,{name},{seconds:.6e},{rate:.3f},{unit}", flush=True)


def device_copy():
    """A device-to-device copy of 1 GiB, reported as copy_d2d_1gib: returns its rate, bytes read plus written a second."""
    x = torch.ones(1 << 28, device="cuda", dtype=torch.float32)
    s = time(lambda: x.clone())
    report("copy_d2d_1gib", s, 2 * (1 << 30) / s / 1e9, "GB/s")
    return 2 * (1 << 30) / s
