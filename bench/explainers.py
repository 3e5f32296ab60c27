"""Time and peak memory of every xai_lit explainer, and Score-CAM against torchcam and pytorch-grad-cam.

Each measurement runs in a fresh subprocess, so that its peak memory (resident set size above the level just before
the call) is its own and no library's leftovers slow down another. Sections:

  models      every explainer on one image: ResNet-18 at 224 (add resnet50-224 with --models), and the tiny CNN at 32
  scorecam    the issue's comparison: ResNet-18, one 112x112 image, layer4 (512 masks), chunks of 64: xai_lit,
              torchcam, pytorch-grad-cam, and the bare cost of 512 masked forward passes; then xai_lit with its
              default chunks (`inputs_per_pass`)
  toy         SISE vs Ada-SISE on the trained tiny CNN: time, masks scored and localisation (EBPG) on 64 toy images

    python bench/explainers.py                       # all sections, CPU-sized
    python bench/explainers.py --models resnet18-224 resnet50-224 --sections models
Results go to bench/results/explainers.md (written atomically) and to stdout.
"""
import argparse, json, os, resource, subprocess, sys, time, warnings
from pathlib import Path

from xai_lit.core import atomic_write

warnings.filterwarnings('ignore')
HERE = Path(__file__).parent

EXPLAINERS = {  # name: (module, class, keyword arguments; 'layer' is filled in per model)
    'GradCAM': ('xai_lit.cam', 'GradCAM', {}), 'GradCAMPlusPlus': ('xai_lit.cam', 'GradCAMPlusPlus', {}),
    'XGradCAM': ('xai_lit.cam', 'XGradCAM', {}), 'LayerCAM': ('xai_lit.cam', 'LayerCAM', {}),
    'IntegratedGradCAM': ('xai_lit.cam', 'IntegratedGradCAM', {'steps': 50}),
    'ScoreCAM': ('xai_lit.perturb', 'ScoreCAM', {}), 'RISE': ('xai_lit.perturb', 'RISE', {'n_masks': 4000}),
    'SISE': ('xai_lit.sise', 'SISE', {}), 'AdaSISE': ('xai_lit.sise', 'AdaSISE', {}),
}   # default chunks (`inputs_per_pass`): what a user gets
LAYERLESS = {'RISE', 'SISE', 'AdaSISE'}
WARM_UP = {'GradCAM', 'GradCAMPlusPlus', 'XGradCAM', 'LayerCAM', 'IntegratedGradCAM'}  # cheap: timed after a warm-up call
MODELS = {'resnet18-224': ('resnet18', 224, 'layer4'), 'resnet50-224': ('resnet50', 224, 'layer4'),
          'tinycnn-32': ('tiny_cnn', 32, 'block3')}


def rss_mb():
    with open('/proc/self/statm') as f: return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def build_model(arch):
    import torch, torchvision
    from xai_lit.models import tiny_cnn
    torch.manual_seed(0)
    return (tiny_cnn() if arch == 'tiny_cnn' else getattr(torchvision.models, arch)(num_classes=1000)).eval()


def measure(fn, warm_up=False, repeats=7):
    """Seconds and peak MB above the resident size before the first call of `fn`. With `warm_up`, the first call
    gives the memory and the median of `repeats` more calls the time (the process's peak cannot be reset between
    calls; one call of a cheap explainer takes milliseconds and varies by a quarter from call to call)."""
    before = rss_mb()
    t = time.perf_counter(); out = fn(); seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if warm_up:
        times = []
        for _ in range(repeats):
            t = time.perf_counter(); out = fn(); times.append(time.perf_counter() - t)
        seconds = sorted(times)[len(times) // 2]
    return out, seconds, max(0., peak - before)


def child(job):
    "Run one measurement (in a subprocess) and return a dict."
    import importlib, torch
    torch.set_num_threads(job['threads'])
    kind = job['kind']
    if kind == 'explainer':
        arch, size, layer = MODELS[job['model']]
        model = build_model(arch)
        torch.manual_seed(1); x = torch.randn(job['batch'], 3, size, size)
        module, cls, kwargs = EXPLAINERS[job['name']]
        kwargs = {**kwargs, **({} if job['name'] in LAYERLESS else {'layer': layer})}
        if job['name'] == 'RISE' and size < 64: kwargs['grid_size'] = 4
        explainer = getattr(importlib.import_module(module), cls)(model, **kwargs)
        _, seconds, mb = measure(lambda: explainer(x), warm_up=job['name'] in WARM_UP)
        return dict(seconds=seconds / job['batch'], peak_mb=mb, masks=getattr(explainer, 'last_counts', None))
    if kind == 'scorecam':
        model = build_model('resnet18')
        torch.manual_seed(1); x = torch.randn(1, 3, 112, 112)
        lib = job['lib']
        if lib == 'forward-floor':
            masked = torch.rand(512, 3, 112, 112)
            def run():
                with torch.no_grad():
                    for chunk in masked.split(64): model(chunk)
        elif lib.startswith('xai_lit'):
            from xai_lit.perturb import ScoreCAM
            cam = ScoreCAM(model, 'layer4', weights='softmax', batch_size=64 if lib == 'xai_lit' else None)
            run = lambda: cam(x)
        elif lib == 'torchcam':
            import torchcam.methods
            extractor = torchcam.methods.ScoreCAM(model, 'layer4', batch_size=64, input_shape=(3, 112, 112))
            def run():
                with torch.no_grad(): out = model(x)
                return extractor(class_idx=out.argmax(1).tolist(), scores=out)
        elif lib == 'pytorch-grad-cam':
            from pytorch_grad_cam import ScoreCAM as PgcScoreCAM
            cam = PgcScoreCAM(model, [model.layer4]); cam.batch_size = 64
            import contextlib, io
            def run():
                with contextlib.redirect_stderr(io.StringIO()): return cam(x, None)  # it prints a tqdm bar
        _, seconds, mb = measure(run)
        return dict(seconds=seconds, peak_mb=mb)
    if kind == 'toy':
        from xai_lit.data import toy_shapes
        from xai_lit.models import tiny_cnn, fit_classifier
        from xai_lit.sise import SISE, AdaSISE
        from xai_lit.metrics import energy_pointing_game
        x_train, y_train, _ = toy_shapes(4000, seed=0)
        images, _, masks = toy_shapes(64, seed=1)
        model = fit_classifier(tiny_cnn(), x_train, y_train, epochs=8, show_progress=False)
        explainer = (SISE if job['name'] == 'SISE' else AdaSISE)(model, batch_size=256)
        explainer(images[:4])  # warm-up
        maps, seconds, mb = measure(lambda: explainer(images))
        return dict(seconds=seconds, peak_mb=mb, masks=sum(explainer.last_counts.values()),
                    ebpg=energy_pointing_game(maps, masks).mean().item())


def run_job(job, timeout, script=__file__):
    "Run `script --child job` in a fresh process and return the dict it printed last (or the error)."
    proc = subprocess.run([sys.executable, script, '--child', json.dumps(job)], capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0: return dict(error=proc.stderr.strip().splitlines()[-1] if proc.stderr else 'failed')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def parse_with_common_arguments(p, argv, out, timeout):
    "Add the options every subprocess bench takes (threads, timeout, child, out) to `p` and parse `argv`."
    p.add_argument('--threads', type=int, default=os.cpu_count())
    p.add_argument('--timeout', type=int, default=timeout, help='seconds per measurement')
    p.add_argument('--child', help=argparse.SUPPRESS)
    p.add_argument('--out', type=Path, default=out)
    return p.parse_args(argv)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--sections', nargs='+', default=['models', 'scorecam', 'toy'], choices=['models', 'scorecam', 'toy'])
    p.add_argument('--models', nargs='+', default=['resnet18-224', 'tinycnn-32'], choices=list(MODELS))
    p.add_argument('--explainers', nargs='+', default=list(EXPLAINERS), choices=list(EXPLAINERS))
    a = parse_with_common_arguments(p, argv, HERE / 'results' / 'explainers.md', timeout=1800)
    if a.child:
        print(json.dumps(child(json.loads(a.child)))); return
    import torch
    lines = [f"# Explainers: time and peak memory\n\ntorch {torch.__version__}, {a.threads} threads, cpu; "
             "each measurement in a fresh process; peak MB = resident memory above the level before the call\n"]
    def say(line=''): print(line, flush=True); lines.append(line)
    if 'models' in a.sections:
        say('## Every explainer, one image\n')
        say('| model | explainer | s / image | peak MB | masks scored |'); say('|---|---|---|---|---|')
        for model in a.models:
            results = {}
            for name in a.explainers:
                r = results[name] = run_job(dict(kind='explainer', model=model, name=name, batch=1, threads=a.threads), a.timeout)
                masks = sum(r['masks'].values()) if r.get('masks') else '-'
                say(f"| {model} | {name} | {r.get('seconds', float('nan')):.3f} | {r.get('peak_mb', float('nan')):.0f} | {masks} |"
                    if 'error' not in r else f"| {model} | {name} | error: {r['error']} | | |")
            if 'GradCAM' in results and 'IntegratedGradCAM' in results and 'error' not in results['IntegratedGradCAM']:
                say(f"\n{model}: Integrated Grad-CAM (50 steps) / Grad-CAM = "
                    f"{results['IntegratedGradCAM']['seconds'] / results['GradCAM']['seconds']:.1f} (goal: <= 50)")
            if all(k in results and 'error' not in results[k] for k in ('SISE', 'AdaSISE')):
                say(f"{model}: Ada-SISE time / SISE time = {results['AdaSISE']['seconds'] / results['SISE']['seconds']:.2f}\n")
    if 'scorecam' in a.sections:
        say('## Score-CAM: ResNet-18, one 112x112 image, layer4 (512 masks), chunks of 64\n')
        say('| implementation | s | peak MB | / xai_lit |'); say('|---|---|---|---|')
        rs = {lib: run_job(dict(kind='scorecam', lib=lib, threads=a.threads), a.timeout)
              for lib in ['xai_lit', 'forward-floor', 'torchcam', 'pytorch-grad-cam', 'xai_lit-default']}
        for lib, r in rs.items():
            say(f"| {lib} | {r['seconds']:.2f} | {r['peak_mb']:.0f} | {r['seconds'] / rs['xai_lit']['seconds']:.2f} |"
                if 'error' not in r else f"| {lib} | error: {r['error']} | | |")
        say('\n(forward-floor: 512 no-grad forward passes of pre-made masked images, in chunks of 64; '
            'xai_lit-default: its default chunks, `inputs_per_pass`: 20 images at 112x112 on the CPU)\n')
    if 'toy' in a.sections:
        say('## SISE vs Ada-SISE on the trained tiny CNN (64 toy images, 32x32)\n')
        say('| explainer | s (64 images) | peak MB | masks scored | EBPG |'); say('|---|---|---|---|---|')
        rs = {n: run_job(dict(kind='toy', name=n, threads=a.threads), a.timeout) for n in ['SISE', 'AdaSISE']}
        for n, r in rs.items(): say(f"| {n} | {r['seconds']:.2f} | {r['peak_mb']:.0f} | {r['masks']} | {r['ebpg']:.3f} |")
        say(f"\nAda-SISE time / SISE time = {rs['AdaSISE']['seconds'] / rs['SISE']['seconds']:.2f}; "
            f"EBPG {rs['AdaSISE']['ebpg']:.3f} vs {rs['SISE']['ebpg']:.3f}")
    with atomic_write(a.out) as f: f.write('\n'.join(lines) + '\n')
    print(f'written to {a.out}')


if __name__ == '__main__':
    sys.exit(main())
