#!/usr/bin/env python3
"""The PyTorch anchor for the MobileNet-SSD benchmark: the graph of a Caffe deploy.prototxt,
built in PyTorch with random weights, timed eager on the CPU and the GPU and as a CUDA graph.

    python3 bench/pytorch_mobilenet_ssd.py MobileNet-SSD/deploy.prototxt \
        [--devices cpu gpu] [--batch 1] [--warmup 5] [--iterations 50] [--threads N]

It reads the prototxt itself (no Caffe needed) and maps each layer to what a PyTorch user
writes: Convolution to Conv2d (groups included), BatchNorm followed by Scale on the same blob
to one BatchNorm2d in eval mode (mean 0, variance 1, weight 1, as the Caffe harness's random
weights), ReLU, Permute, Flatten, Concat, Reshape and Softmax. PriorBox outputs depend only on
shapes, so they are constants made once; DetectionOutput (non-maximum suppression on the host
in Caffe) has no counterpart here and is left out. Weights follow the Caffe harness's scheme
(He-normal convolutions, small uniform biases), from a fixed seed.

Output: one JSON object per line, {"type": "pytorch", "device", "mode", "batch", "threads",
"median_ms", "p10_ms", "p90_ms", "times_ms", "torch", "cudnn", "device_name"}. Needs torch.
"""
import argparse
import json
import re
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def parse_prototxt(text):
    """The prototxt as nested dicts; repeated fields become lists."""
    tokens = re.findall(r'"[^"]*"|[{}]|[^\s{}:]+:?', re.sub(r"#[^\n]*", "", text))
    position = 0

    def block():
        nonlocal position
        result = {}
        while position < len(tokens) and tokens[position] != "}":
            key = tokens[position].rstrip(":")
            position += 1
            if tokens[position] == "{":
                position += 1
                value = block()
                position += 1  # "}"
            else:
                value = tokens[position].strip('"')
                position += 1
            result.setdefault(key, []).append(value)
        return result

    return block()


def one(params, key, default=None):
    values = params.get(key)
    return values[0] if values else default


def ints(params, key, default):
    values = [int(v) for v in params.get(key, [])]
    return values if values else [default]


class PrototxtNet(torch.nn.Module):
    """Runs the layers of a deploy prototxt in order, keeping blobs by name."""

    def __init__(self, net, batch, seed):
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        dims = [int(d) for d in one(net, "input_shape")["dim"]]
        self.input_name = one(net, "input")
        self.input_shape = [batch] + dims[1:]
        shapes = {self.input_name: self.input_shape}
        self.steps = []
        self.modules_by_name = torch.nn.ModuleDict()
        self.constants = {}
        layers = net.get("layer", [])
        skip = set()
        for index, layer in enumerate(layers):
            kind, name = one(layer, "type"), one(layer, "name")
            if name in skip or kind == "DetectionOutput":
                continue
            bottoms, tops = layer.get("bottom", []), layer.get("top", [])
            shape = shapes[bottoms[0]] if bottoms else None
            key = re.sub(r"[^0-9A-Za-z_]", "_", name)
            if kind == "Convolution":
                p = one(layer, "convolution_param")
                out = int(one(p, "num_output"))
                kernel = ints(p, "kernel_size", 1)[0]
                stride = ints(p, "stride", 1)[0]
                pad = ints(p, "pad", 0)[0]
                group = int(one(p, "group", 1))
                bias = one(p, "bias_term", "true") == "true"
                conv = torch.nn.Conv2d(shape[1], out, kernel, stride, pad, groups=group, bias=bias)
                fan_in = shape[1] // group * kernel * kernel
                with torch.no_grad():
                    conv.weight.copy_(torch.randn(conv.weight.shape, generator=generator) * (2.0 / fan_in) ** 0.5)
                    if bias:
                        conv.bias.copy_((torch.rand(out, generator=generator) * 2 - 1) * 0.01)
                self.modules_by_name[key] = conv
                size = [(shape[i] + 2 * pad - kernel) // stride + 1 for i in (2, 3)]
                shapes[tops[0]] = [shape[0], out] + size
                self.steps.append(("module", key, bottoms, tops))
            elif kind == "BatchNorm":
                scale = index + 1 < len(layers) and one(layers[index + 1], "type") == "Scale" \
                    and layers[index + 1].get("bottom") == tops
                norm = torch.nn.BatchNorm2d(shape[1], eps=float(one(one(layer, "batch_norm_param") or {}, "eps", 1e-5)),
                                            affine=scale)
                if scale:
                    with torch.no_grad():
                        norm.bias.copy_((torch.rand(shape[1], generator=generator) * 2 - 1) * 0.01)
                    skip.add(one(layers[index + 1], "name"))
                self.modules_by_name[key] = norm
                shapes[tops[0]] = shape
                self.steps.append(("module", key, bottoms, tops))
            elif kind == "Scale":
                raise SystemExit(f"layer {name}: a Scale that does not follow a BatchNorm is not supported")
            elif kind == "ReLU":
                shapes[tops[0]] = shape
                self.steps.append(("relu", None, bottoms, tops))
            elif kind == "Permute":
                order = [int(v) for v in one(layer, "permute_param")["order"]]
                shapes[tops[0]] = [shape[i] for i in order]
                self.steps.append(("permute", order, bottoms, tops))
            elif kind == "Flatten":
                axis = int(one(one(layer, "flatten_param") or {}, "axis", 1))
                flat = 1
                for d in shape[axis:]:
                    flat *= d
                shapes[tops[0]] = shape[:axis] + [flat]
                self.steps.append(("flatten", axis, bottoms, tops))
            elif kind == "Concat":
                axis = int(one(one(layer, "concat_param") or {}, "axis", 1))
                joined = list(shapes[bottoms[0]])
                joined[axis] = sum(shapes[b][axis] for b in bottoms)
                shapes[tops[0]] = joined
                self.steps.append(("concat", axis, bottoms, tops))
            elif kind == "Reshape":
                dims = [int(d) for d in one(one(layer, "reshape_param"), "shape")["dim"]]
                target = [shape[i] if d == 0 else d for i, d in enumerate(dims)]
                self.steps.append(("reshape", target, bottoms, tops))
                known = 1
                for d in target:
                    known *= d if d != -1 else 1
                total = 1
                for d in shape:
                    total *= d
                shapes[tops[0]] = [total // known if d == -1 else d for d in target]
            elif kind == "Softmax":
                axis = int(one(one(layer, "softmax_param") or {}, "axis", 1))
                shapes[tops[0]] = shape
                self.steps.append(("softmax", axis, bottoms, tops))
            elif kind == "PriorBox":
                # [1, 2, H * W * priors * 4]: constant for a given input size.
                p = one(layer, "prior_box_param")
                priors = len(p.get("min_size", [])) + len(p.get("max_size", []))
                ratios = [float(r) for r in p.get("aspect_ratio", [])]
                flip = one(p, "flip", "true") == "true"
                priors += len(ratios) * len(p.get("min_size", [])) * (2 if flip else 1)
                count = shape[2] * shape[3] * priors * 4
                self.constants[tops[0]] = torch.zeros(1, 2, count)
                shapes[tops[0]] = [1, 2, count]
            elif kind in ("Input", "Split", "Silence"):
                raise SystemExit(f"layer {name}: type {kind} is not supported by this anchor")
            else:
                raise SystemExit(f"layer {name}: unknown type {kind}")
        self.outputs = [t for _, _, _, tops in self.steps for t in tops]

    def forward(self, x):
        blobs = dict(self.constants)
        blobs[self.input_name] = x
        for kind, arg, bottoms, tops in self.steps:
            if kind == "module":
                blobs[tops[0]] = self.modules_by_name[arg](blobs[bottoms[0]])
            elif kind == "relu":
                blobs[tops[0]] = F.relu(blobs[bottoms[0]], inplace=bottoms[0] == tops[0])
            elif kind == "permute":
                blobs[tops[0]] = blobs[bottoms[0]].permute(*arg)
            elif kind == "flatten":
                blobs[tops[0]] = torch.flatten(blobs[bottoms[0]], start_dim=arg)
            elif kind == "concat":
                blobs[tops[0]] = torch.cat([blobs[b] for b in bottoms], dim=arg)
            elif kind == "reshape":
                blobs[tops[0]] = blobs[bottoms[0]].reshape(arg)
            elif kind == "softmax":
                blobs[tops[0]] = F.softmax(blobs[bottoms[0]], dim=arg)
        return blobs.get("mbox_conf_flatten", blobs[self.outputs[-1]]), blobs.get("mbox_loc")


def timed(run, synchronize, warmup, iterations):
    for _ in range(warmup):
        run()
    synchronize()
    times = []
    for _ in range(iterations):
        synchronize()
        start = time.perf_counter()
        run()
        synchronize()
        times.append((time.perf_counter() - start) * 1000)
    return times


def emit(device, mode, args, times, extra):
    ordered = sorted(times)
    quantile = lambda q: ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]
    record = {"type": "pytorch", "device": device, "mode": mode, "batch": args.batch,
              "threads": torch.get_num_threads(), "median_ms": statistics.median(times),
              "p10_ms": quantile(0.1), "p90_ms": quantile(0.9), "times_ms": times,
              "torch": torch.__version__, "cudnn": torch.backends.cudnn.version()}
    record.update(extra)
    print(json.dumps(record), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("prototxt")
    parser.add_argument("--devices", nargs="+", default=["cpu", "gpu"], choices=["cpu", "gpu"])
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch's default)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    with open(args.prototxt) as file:
        net = PrototxtNet(parse_prototxt(file.read()), args.batch, args.seed).eval()
    input_generator = torch.Generator().manual_seed(args.seed + 1)
    x = torch.rand(net.input_shape, generator=input_generator) * 2 - 1
    with torch.inference_mode():
        if "cpu" in args.devices:
            emit("cpu", "eager", args, timed(lambda: net(x), lambda: None, args.warmup, args.iterations),
                 {"device_name": "cpu"})
        if "gpu" in args.devices:
            if not torch.cuda.is_available():
                print(json.dumps({"type": "skip", "device": "gpu", "reason": "no CUDA device"}))
                return 77
            gpu_net, gpu_x = net.cuda(), x.cuda()
            name = torch.cuda.get_device_name()
            sync = torch.cuda.synchronize
            emit("gpu", "eager", args, timed(lambda: gpu_net(gpu_x), sync, args.warmup, args.iterations),
                 {"device_name": name})
            # The same graph captured once and replayed: launch overhead gone.
            stream = torch.cuda.Stream()
            stream.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(stream):
                for _ in range(3):
                    gpu_net(gpu_x)
            torch.cuda.current_stream().wait_stream(stream)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                gpu_net(gpu_x)
            emit("gpu", "cuda_graph", args, timed(graph.replay, sync, args.warmup, args.iterations),
                 {"device_name": name})
    return 0


if __name__ == "__main__":
    sys.exit(main())
