"""Time per training step of plain cross-entropy, SupCon, ExCon, EDDA and its random-occlusion control.

Each arm trains a fastai `Learner` for `--steps` batches of the shapes data (32x32) and the median step time after
`--warmup` steps is reported (a step = the callbacks' `before_batch`, forward, loss, backward and optimiser step).
CE trains the plain classifier (`tiny_resnet`), SupCon and ExCon the same encoder as a `ContrastiveModel` on two
views per image; ExCon explains at the 16x16 stage (`EXCON_LAYERS`) from the first step (no warm-up epochs), in both
batch modes. EDDA and the control train the plain classifier, Grad-CAM at `layer3` (8x8), from the first step, with
`p` (the fraction of each batch that gets two occluded copies) 0.1, 0.25 (the default), 0.5 and 1; the validation
monitor is off (it costs nothing in a training step). Each arm runs in its own process.

    python bench/train_speed.py                  # tiny ResNet width 16, bs 128
    python bench/train_speed.py --width 32 --bs 256
Results go to bench/results/train_speed.md (written atomically) and to stdout.
"""
import argparse, json, subprocess, sys, time, warnings
from pathlib import Path
from xai_lit.core import atomic_write

warnings.filterwarnings('ignore')
HERE = Path(__file__).parent
ARMS = ('ce', 'supcon', 'excon-append', 'excon-fixed', 'edda-p0.1', 'edda-p0.25', 'edda-p0.5', 'edda-p1', 'random-p0.25')


def child(arm, width, bs, steps, warmup, threads, device):
    import torch
    from fastai.learner import Learner
    import fastai.callback.progress   # learn.no_bar()
    from fastai.callback.core import Callback
    from xai_lit.data import shapes_dataloaders
    from xai_lit.models import tiny_resnet, contrastive_resnet, EXCON_LAYERS
    from xai_lit.callback.supcon import SupConCallback
    from xai_lit.callback.excon import ExConCallback
    from xai_lit.callback.edda import EDDACallback, RandomOcclusionCallback
    torch.set_num_threads(threads)
    sync = torch.cuda.synchronize if device == 'cuda' else (lambda: None)

    class StepTimer(Callback):
        order = -100
        def before_fit(self): self.times = []
        def before_batch(self): sync(); self.t = time.perf_counter()
        def after_step(self): sync(); self.times.append(time.perf_counter() - self.t)

    dls = shapes_dataloaders(bs=bs, n_train=bs * steps, n_valid=bs, n_test=bs, device=device)
    timer = StepTimer()
    if arm == 'ce': learn = Learner(dls, tiny_resnet(dls.c, width=width, seed=0), cbs=timer)
    elif arm.startswith(('edda', 'random')):
        kind, p = arm.split('-p')
        cb = (EDDACallback if kind == 'edda' else RandomOcclusionCallback)('layer3', p=float(p), warmup_epochs=0, monitor=False)
        learn = Learner(dls, tiny_resnet(dls.c, width=width, seed=0), cbs=[timer, cb])
    else:
        cb = SupConCallback() if arm == 'supcon' else ExConCallback(EXCON_LAYERS['tiny'], batch=arm.split('-')[1])
        learn = Learner(dls, contrastive_resnet('tiny', dls.c, width=width, seed=0), cbs=[timer, cb])
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-2)
    times = sorted(timer.times[warmup:])
    return dict(arm=arm, median=times[len(times) // 2], steps=len(times))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--width', type=int, default=16); p.add_argument('--bs', type=int, default=128)
    p.add_argument('--steps', type=int, default=34); p.add_argument('--warmup', type=int, default=4)
    p.add_argument('--threads', type=int, default=2); p.add_argument('--child')
    p.add_argument('--device', default='cpu'); p.add_argument('--arms', nargs='*', default=list(ARMS))
    a = p.parse_args()
    if a.child:
        print(json.dumps(child(a.child, a.width, a.bs, a.steps, a.warmup, a.threads, a.device))); return
    rows = []
    for arm in a.arms:
        out = subprocess.run([sys.executable, __file__, '--child', arm, '--width', str(a.width), '--bs', str(a.bs),
                              '--steps', str(a.steps), '--warmup', str(a.warmup), '--threads', str(a.threads), '--device', a.device],
                             capture_output=True, text=True, check=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1])); print(rows[-1], flush=True)
    by = {r['arm']: r['median'] for r in rows}
    import torch
    where = torch.cuda.get_device_name() if a.device == 'cuda' else f'CPU, {a.threads} threads'
    lines = ['# Training step time: CE, SupCon, ExCon, EDDA', '',
             f'torch {torch.__version__}, {where}; tiny ResNet width {a.width}, batch {a.bs} images '
             f'(two views each for SupCon/ExCon; plus 2p occluded copies for EDDA), 32x32 shapes data; median of {a.steps - a.warmup} steps after {a.warmup}', '',
             '| arm | s / step | / CE | / SupCon |', '|---|---|---|---|']
    ratio = lambda r, base: f"{r['median'] / by[base]:.2f}" if base in by else ''
    lines += [f"| {r['arm']} | {r['median']:.3f} | {ratio(r, 'ce')} | {ratio(r, 'supcon')} |" for r in rows]
    text = '\n'.join(lines) + '\n'
    name = 'train_speed.md' if a.device == 'cpu' else f'train_speed_{a.device}.md'
    with atomic_write(HERE / 'results' / name) as f: f.write(text)
    print(text)


if __name__ == '__main__': main()
