"""Speed of xai_lit's CAMs against pytorch-grad-cam, captum and torchcam, on the same model and batch.

Every library produces maps at the input's resolution for the same fixed targets (upsampling included where the
library returns low-resolution maps). Times are medians over `--reps` consecutive runs after one warm-up, reported as ratios to a
bare `torch.no_grad()` forward pass of the same batch (the floor: a CAM needs at least one forward). Each row (a model
and a CAM) runs in its own process. The "graph MB"
column counts the bytes autograd saves for the backward pass (a deterministic proxy for the extra memory a method
needs): xai_lit builds no graph before the explained layer, the other libraries build it from the input.

    python bench/cam_speed.py                   # the full table (ResNet-18/50 at 224, batch 32; CIFAR-size)
    python bench/cam_speed.py --quick           # a small smoke run
Results go to bench/results/cam_speed.md (written atomically) and to stdout.
"""
import argparse, copy, json, os, statistics, subprocess, sys, time, warnings
from pathlib import Path

import torch, torch.nn as nn, torch.nn.functional as F, torchvision

from xai_lit.cam import GradCAM, GradCAMPlusPlus, XGradCAM, LayerCAM
from xai_lit.core import atomic_write

warnings.filterwarnings('ignore')


def cifar_resnet18(num_classes=10):
    "ResNet-18 with the CIFAR stem (3x3 stride-1 conv, no max-pool): layer4 is 4x4 at 32x32."
    m = torchvision.models.resnet18(num_classes=num_classes)
    m.conv1, m.maxpool = nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.Identity()
    return m


CONFIGS = {  # name: (model factory, layer, input size)
    'resnet18-224': (lambda: torchvision.models.resnet18(num_classes=1000), 'layer4', 224),
    'resnet50-224': (lambda: torchvision.models.resnet50(num_classes=1000), 'layer4', 224),
    'cifar-resnet18-32': (cifar_resnet18, 'layer4', 32),
}
# Grad-CAM last: it is the row where captum is measured too, and the first rows after building a model are noisy
OURS = dict(GradCAMPlusPlus=GradCAMPlusPlus, XGradCAM=XGradCAM, LayerCAM=LayerCAM, GradCAM=GradCAM)


def timed(runners, reps):
    """Median seconds of each runner over `reps` consecutive runs after a warm-up run.
    Runs are consecutive per runner: after another library frees gigabytes, the first run pays the page faults of
    re-allocating them (measured here: up to 2.5x), which the warm-up absorbs."""
    times = {}
    for k, fn in runners.items():
        fn()
        times[k] = []
        for _ in range(reps):
            t = time.perf_counter(); fn(); times[k].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in times.items()}


def saved_bytes(fn):
    "Bytes of the tensors autograd saves for backward while `fn` runs."
    total = 0
    def pack(t):
        nonlocal total
        total += t.numel() * t.element_size()
        return t
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t): fn()
    return total


def pgc_runner(name, model, layer, x, targets):
    import pytorch_grad_cam as pgc
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    model = copy.deepcopy(model)
    cam = getattr(pgc, name)(model, [model.get_submodule(layer)])
    outs = [ClassifierOutputTarget(int(t)) for t in targets]
    def run():
        maps = cam(x, outs)
        cam.outputs = None  # it keeps the last output, whose graph (retain_graph=True) holds GBs at ResNet-50 x 32
        return maps
    return run


def captum_runner(model, layer, x, targets):
    from captum.attr import LayerGradCam, LayerAttribution
    lgc = LayerGradCam(model, model.get_submodule(layer))
    return lambda: LayerAttribution.interpolate(lgc.attribute(x, target=targets, relu_attributions=True),
                                                tuple(x.shape[-2:]), 'bilinear')


TORCHCAM_NAMES = dict(GradCAM='GradCAM', GradCAMPlusPlus='GradCAMpp', XGradCAM='XGradCAM', LayerCAM='LayerCAM')

def torchcam_runner(name, model, layer, x, targets):
    import torchcam.methods
    extractor = getattr(torchcam.methods, TORCHCAM_NAMES[name])(model, layer)
    idx = targets.tolist()
    def run():
        with torch.enable_grad():
            maps = extractor(class_idx=idx, scores=model(x))[0]
        extractor.reset_hooks()  # it keeps the hooked outputs, and with them the whole autograd graph
        return F.interpolate(maps[:, None], size=tuple(x.shape[-2:]), mode='bilinear', align_corners=False)
    return run, extractor


def bench_row(name, method, reps, batch):
    "One row: a model and a CAM, every library on the same batch (runs in its own process)."
    factory, layer, size = CONFIGS[name]
    torch.manual_seed(0)
    model = factory().eval()
    x = torch.randn(batch, 3, size, size)
    with torch.no_grad(): targets = model(x).argmax(1)
    def forward():
        with torch.no_grad(): model(x)
    ours = OURS[method](model, layer)
    for _ in range(3): forward(); ours(x, targets)  # the first passes after building a model run slow
    torchcam_run, extractor = torchcam_runner(method, model, layer, x, targets)
    runners = dict(floor=forward, ours=lambda: ours(x, targets), torchcam=torchcam_run,
                   pgc=pgc_runner(method, model, layer, x, targets))
    if method == 'GradCAM': runners['captum'] = captum_runner(model, layer, x, targets)
    return dict(config=name, method=method, graph_ours=saved_bytes(lambda: ours(x, targets)),
                graph_full=saved_bytes(lambda: model(x)), **timed(runners, reps))


def run_row(name, method, reps, batch, threads):
    "`bench_row` in a fresh process: no row inherits another's memory (in one process ResNet-50 rows ran out of 24 GB)."
    args = [sys.executable, __file__, '--row', name, method, '--reps', str(reps), '--batch', str(batch), '--threads', str(threads)]
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode != 0: raise RuntimeError(f'{name} {method} failed:\n{proc.stderr[-2000:]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


HEADER = ('| config | method | forward s | xai_lit s | xai_lit / forward | pytorch-grad-cam / xai_lit '
          '| captum / xai_lit | torchcam / xai_lit | graph MB xai_lit | graph MB full |\n'
          '|---|---|---|---|---|---|---|---|---|---|')

def format_row(r):
    ratio = lambda k: f"{r[k] / r['ours']:.2f}" if r.get(k) else '-'
    return (f"| {r['config']} | {r['method']} | {r['floor']:.3f} | {r['ours']:.3f} | {r['ours'] / r['floor']:.2f} "
            f"| {ratio('pgc')} | {ratio('captum')} | {ratio('torchcam')} "
            f"| {r['graph_ours'] / 2**20:.1f} | {r['graph_full'] / 2**20:.1f} |")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--configs', nargs='+', default=list(CONFIGS), choices=list(CONFIGS))
    p.add_argument('--methods', nargs='+', default=list(OURS), choices=list(OURS))
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--reps', type=int, default=5)
    p.add_argument('--threads', type=int, default=torch.get_num_threads())
    p.add_argument('--quick', action='store_true', help='batch 4, one repetition, ResNet-18 and CIFAR size only')
    p.add_argument('--out', type=Path, default=Path(__file__).parent / 'results' / 'cam_speed.md')
    p.add_argument('--row', nargs=2, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.row:
        torch.set_num_threads(a.threads)
        print(json.dumps(bench_row(*a.row, a.reps, a.batch))); return
    if a.quick: a.batch, a.reps, a.configs = 4, 1, ['resnet18-224', 'cifar-resnet18-32']
    torch.set_num_threads(a.threads)
    env = (f"torch {torch.__version__}, {a.threads} threads, batch {a.batch}, median of {a.reps} after a warm-up, "
           f"{os.cpu_count()} CPUs, device cpu")
    print(env); print(HEADER, flush=True)
    rows = []
    for config in a.configs:
        for method in a.methods:
            rows.append(run_row(config, method, a.reps, a.batch, a.threads))
            print(format_row(rows[-1]), flush=True)
    with atomic_write(a.out) as f: f.write(f"# CAM speed\n\n{env}\n\n{HEADER}\n" + '\n'.join(map(format_row, rows)) + '\n')
    print(f'written to {a.out}')


if __name__ == '__main__':
    sys.exit(main())
