"""Time per training step, throughput and memory peak of plain cross-entropy, SupCon, ExCon, EDDA and its control.

Each arm trains a fastai `Learner` for `--steps` batches of the shapes data (32x32) and the median step time after
`--warmup` steps is reported (a step = the callbacks' `before_batch`, forward, loss, backward and optimiser step).
CE trains the plain classifier (`tiny_resnet`), SupCon and ExCon the same encoder as a `ContrastiveModel` on two
views per image; ExCon explains at the 16x16 stage (`EXCON_LAYERS`) from the first step (no warm-up epochs), in both
batch modes. EDDA and the control train the plain classifier, Grad-CAM at `layer3` (8x8), from the first step, with
`p` (the fraction of each batch that gets two occluded copies) 0.1, 0.25 (the default), 0.5 and 1; the validation
monitor is off (it costs nothing in a training step). Each arm runs in its own process.

Throughput is training images per second (the batch size over the median step; SupCon/ExCon's two views and EDDA's
occluded copies count as the one image they come from). Items / image is what the forward and backward pass train on
per image of the batch: 1 for CE, 2 views for SupCon, 2 + the rejected share for ExCon's 'append' mode (its
background items), 1 + 2p for EDDA; the explanation and gate passes are not counted. Memory: on CUDA the peak of `torch.cuda.max_memory_allocated`
during the fit; on the CPU the growth of the process's peak resident memory over what it held before the fit.

    python bench/train_speed.py                  # tiny ResNet width 16, bs 128
    python bench/train_speed.py --width 32 --bs 256
    python bench/train_speed.py --arch resnet50 --bs 256 --device cuda --fp16   # the ExCon paper's size (GPU)
Results go to bench/results/train_speed.md (written atomically) and to stdout.
"""
import argparse, json, resource, subprocess, sys, time, warnings
from pathlib import Path
from xai_lit.core import atomic_write
from explainers import rss_mb   # bench/ is on the path when a script here runs

warnings.filterwarnings('ignore')
HERE = Path(__file__).parent
ARMS = ('ce', 'supcon', 'excon-append', 'excon-fixed', 'edda-p0.1', 'edda-p0.25', 'edda-p0.5', 'edda-p1', 'random-p0.25')


def child(arm, width, bs, steps, warmup, threads, device, arch='tiny', fp16=False):
    import torch
    from fastai.learner import Learner
    import fastai.callback.progress   # learn.no_bar()
    from fastai.callback.core import Callback
    from xai_lit.data import shapes_dataloaders
    from xai_lit.models import contrastive_resnet, EXCON_LAYERS, CONTRASTIVE_ARCHS
    from xai_lit.callback.supcon import SupConCallback
    from xai_lit.callback.excon import ExConCallback
    from xai_lit.callback.edda import EDDACallback, RandomOcclusionCallback
    torch.set_num_threads(threads)
    sync = torch.cuda.synchronize if device == 'cuda' else (lambda: None)

    class StepTimer(Callback):
        order = -100
        def before_fit(self): self.times, self.items = [], []
        def before_batch(self): sync(); self.t = time.perf_counter()
        def after_pred(self): self.items.append(len(self.pred))   # what the step trains on: views, appended items, copies
        def after_step(self): sync(); self.times.append(time.perf_counter() - self.t)

    dls = shapes_dataloaders(bs=bs, n_train=bs * steps, n_valid=bs, n_test=bs, device=device)
    timer = StepTimer()
    kwargs = dict(width=width, seed=0) if arch == 'tiny' else dict(seed=0)
    classifier = lambda: CONTRASTIVE_ARCHS[arch](dls.c, **kwargs)
    if arm == 'ce': learn = Learner(dls, classifier(), cbs=timer)
    elif arm.startswith(('edda', 'random')):
        kind, p = arm.split('-p')
        cb = (EDDACallback if kind == 'edda' else RandomOcclusionCallback)('layer3', p=float(p), warmup_epochs=0, monitor=False)
        learn = Learner(dls, classifier(), cbs=[timer, cb])
    else:
        cb = SupConCallback() if arm == 'supcon' else ExConCallback(EXCON_LAYERS[arch], rejected={'append': 'append', 'fixed': 'replace'}[arm.split('-')[1]])
        learn = Learner(dls, contrastive_resnet(arch, dls.c, **kwargs), cbs=[timer, cb])
    if fp16: learn.to_fp16()
    if device == 'cuda': torch.cuda.reset_peak_memory_stats()
    before = rss_mb()
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-2)
    peak = (torch.cuda.max_memory_allocated() / 2**20 if device == 'cuda'
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before)
    times = sorted(timer.times[warmup:])
    median = times[len(times) // 2]
    items = timer.items[warmup:len(timer.times)]
    return dict(arm=arm, median=median, images_per_s=bs / median, peak_mb=peak, steps=len(times),
                items_per_image=sum(items) / len(items) / bs)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--width', type=int, default=16); p.add_argument('--bs', type=int, default=128)
    p.add_argument('--steps', type=int, default=34); p.add_argument('--warmup', type=int, default=4)
    p.add_argument('--threads', type=int, default=2); p.add_argument('--child')
    p.add_argument('--device', default='cpu'); p.add_argument('--arms', nargs='*', default=list(ARMS))
    p.add_argument('--arch', default='tiny', help='tiny, resnet18, resnet34 or resnet50 (CIFAR stems)')
    p.add_argument('--fp16', action='store_true', help='mixed precision (fastai MixedPrecision; CUDA)')
    a = p.parse_args()
    if a.child:
        print(json.dumps(child(a.child, a.width, a.bs, a.steps, a.warmup, a.threads, a.device, a.arch, a.fp16))); return
    rows = []
    for arm in a.arms:
        out = subprocess.run([sys.executable, __file__, '--child', arm, '--width', str(a.width), '--bs', str(a.bs),
                              '--steps', str(a.steps), '--warmup', str(a.warmup), '--threads', str(a.threads), '--device', a.device,
                              '--arch', a.arch] + (['--fp16'] if a.fp16 else []),
                             capture_output=True, text=True, check=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1])); print(rows[-1], flush=True)
    by = {r['arm']: r['median'] for r in rows}
    import torch
    where = torch.cuda.get_device_name() if a.device == 'cuda' else f'CPU, {a.threads} threads'
    model = f'tiny ResNet width {a.width}' if a.arch == 'tiny' else f'{a.arch} (CIFAR stem)'
    memory = 'peak CUDA memory' if a.device == 'cuda' else 'peak RSS growth'
    lines = ['# Training step time, throughput and memory: CE, SupCon, ExCon, EDDA', '',
             f'torch {torch.__version__}, {where}{", mixed precision" if a.fp16 else ""}; {model}, batch {a.bs} images '
             f'(two views each for SupCon/ExCon; plus 2p occluded copies for EDDA), 32x32 shapes data; median of {a.steps - a.warmup} steps after {a.warmup}', '',
             f'| arm | s / step | images / s | items / image | / CE | / SupCon | {memory} (MB) |', '|---|---|---|---|---|---|---|']
    ratio = lambda r, base: f"{r['median'] / by[base]:.2f}" if base in by else ''
    lines += [f"| {r['arm']} | {r['median']:.3f} | {r['images_per_s']:.0f} | {r['items_per_image']:.2f} | {ratio(r, 'ce')} | {ratio(r, 'supcon')} | {r['peak_mb']:.0f} |"
              for r in rows]
    text = '\n'.join(lines) + '\n'
    name = '_'.join(['train_speed'] + ([a.device] if a.device != 'cpu' else []) + ([a.arch] if a.arch != 'tiny' else [])) + '.md'
    with atomic_write(HERE / 'results' / name) as f: f.write(text)
    print(text)


if __name__ == '__main__': main()
