#!/usr/bin/env python3
"""Times net.forward() through pycaffe: the reference the benchmark harness is checked
against (its CPU median should be within 10 % of this one).

The harness writes the weights and the input it used (--save-weights, --save-input), so
both programs time the same network on the same numbers. `caffe time` is no reference: it
feeds zeros, and runs the TRAIN phase, which drops the TEST-only DetectionOutput layer.

usage: pycaffe_forward_time.py MODEL WEIGHTS INPUT.f32 [--iterations N] [--warmup W]
                               [--gpu] [--json]
"""
import argparse
import json
import statistics
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("weights")
    parser.add_argument("input", help="raw float32 input written by the harness")
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--gpu", action="store_true")
    parser.add_argument("--json", action="store_true", help="one JSON line of results")
    arguments = parser.parse_args()

    import numpy as np
    import caffe

    if arguments.gpu:
        caffe.set_device(0)
        caffe.set_mode_gpu()
    else:
        caffe.set_mode_cpu()
    net = caffe.Net(arguments.model, arguments.weights, caffe.TEST)
    data = net.blobs[net.inputs[0]]
    values = np.fromfile(arguments.input, dtype=np.float32)
    if values.size % (data.data.size // data.data.shape[0]) != 0:
        sys.exit("pycaffe_forward_time: %s does not hold whole %s inputs"
                 % (arguments.input, data.data.shape[1:]))
    batch = values.size // (data.data.size // data.data.shape[0])
    data.reshape(batch, *data.data.shape[1:])
    net.reshape()
    data.data[...] = values.reshape(data.data.shape)

    for _ in range(arguments.warmup):
        net.forward()
    times = []
    for _ in range(arguments.iterations):
        start = time.perf_counter()
        net.forward()
        times.append((time.perf_counter() - start) * 1000.0)
    result = {"median_ms": statistics.median(times), "mean_ms": statistics.fmean(times),
              "min_ms": min(times), "iterations": len(times), "batch": batch, "times_ms": times,
              "device": "gpu" if arguments.gpu else "cpu"}
    if arguments.json:
        print(json.dumps(result))
    else:
        print("pycaffe net.forward(): median %.2f ms, mean %.2f ms, min %.2f ms over %d passes"
              % (result["median_ms"], result["mean_ms"], result["min_ms"], len(times)))


if __name__ == "__main__":
    main()
