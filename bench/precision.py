"""The reduced-precision path (issue 21): xai_lit in 'auto' precision against xai_lit in fp32, torchcam and
pytorch-grad-cam (fp32, their defaults), on the same model, image and masks.

Each measurement runs in a fresh subprocess (as in bench/explainers.py, whose `measure` and `build_model` it
uses), so that its peak memory is its own. Per model (seeded, untrained torchvision ResNets at 224x224, one image):

  Score-CAM   layer4's channels as masks (512 for ResNet-18, 2048 for ResNet-50), chunks of 64, weights='softmax'
              (torchcam's and pytorch-grad-cam's weighting): xai_lit fp32, xai_lit auto, torchcam, pytorch-grad-cam
  RISE        1,000 masks on 7x7 grids: xai_lit fp32 and auto (neither other library has RISE)
  SISE        every block: xai_lit fp32 and auto (neither other library has SISE)

For each fast run, the Spearman correlation of its map with the fp32 map of the same method.

    python bench/precision.py                                  # ResNet-18
    python bench/precision.py --models resnet18-224 resnet50-224
Results go to bench/results/precision.md (written atomically) and to stdout.
"""
import argparse, json, sys, tempfile, warnings
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from explainers import MODELS, build_model, measure, run_job, parse_with_common_arguments  # noqa: E402
from xai_lit.core import atomic_write  # noqa: E402

warnings.filterwarnings('ignore')
METHODS = {'Score-CAM': ['xai_lit fp32', 'xai_lit auto', 'torchcam', 'pytorch-grad-cam'],
           'RISE': ['xai_lit fp32', 'xai_lit auto'], 'SISE': ['xai_lit fp32', 'xai_lit auto']}


def explainer_run(job, model, x):
    "A function that computes the map (1, H, W) of `job`'s method and library."
    import torch
    method, lib = job['method'], job['lib']
    if lib.startswith('xai_lit'):
        from xai_lit.perturb import ScoreCAM, RISE
        from xai_lit.sise import SISE
        precision = lib.split()[1]
        explainer = {'Score-CAM': lambda: ScoreCAM(model, 'layer4', weights='softmax', batch_size=64, precision=precision),
                     'RISE': lambda: RISE(model, n_masks=1000, progress=False, precision=precision),
                     'SISE': lambda: SISE(model, progress=False, precision=precision)}[method]()
        return lambda: explainer(x)
    if lib == 'torchcam':
        import torchcam.methods
        extractor = torchcam.methods.ScoreCAM(model, 'layer4', batch_size=64, input_shape=tuple(x.shape[1:]))
        def run():
            with torch.no_grad(): out = model(x)
            cam, = extractor(class_idx=out.argmax(1).tolist(), scores=out)
            return torch.nn.functional.interpolate(cam[:, None], size=x.shape[-2:], mode='bilinear')[:, 0]
        return run
    from pytorch_grad_cam import ScoreCAM as PgcScoreCAM
    import contextlib, io
    cam = PgcScoreCAM(model, [model.layer4]); cam.batch_size = 64
    def run():
        with contextlib.redirect_stderr(io.StringIO()): return torch.as_tensor(cam(x, None))  # it prints a tqdm bar
    return run


def child(job):
    "One measurement, in its own process: seconds, peak MB, and the map saved to job['maps']."
    import torch
    torch.set_num_threads(job['threads'])
    arch, size, _ = MODELS[job['model']]
    model = build_model(arch)
    torch.manual_seed(1); x = torch.randn(1, 3, size, size)
    maps, seconds, mb = measure(explainer_run(job, model, x))
    torch.save(maps.detach().float().cpu(), job['maps'])
    from xai_lit.precision import resolve_precision
    return dict(seconds=seconds, peak_mb=mb, precision=resolve_precision('auto') if 'auto' in job['lib'] else 'fp32')


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--models', nargs='+', default=['resnet18-224'], choices=[m for m in MODELS if m.endswith('224')])
    p.add_argument('--methods', nargs='+', default=list(METHODS), choices=list(METHODS))
    a = parse_with_common_arguments(p, argv, HERE / 'results' / 'precision.md', timeout=3600)
    if a.child:
        print(json.dumps(child(json.loads(a.child)))); return
    import torch
    from xai_lit.metrics import spearman
    from xai_lit.precision import cpu_has_native_bf16, resolve_precision
    lines = [f"# Reduced precision: xai_lit 'auto' against fp32, torchcam and pytorch-grad-cam\n\n"
             f"torch {torch.__version__}, {a.threads} threads, cpu (native bf16: {cpu_has_native_bf16()}, so 'auto' "
             f"runs {resolve_precision('auto')}); seeded untrained torchvision ResNets, one 224x224 image; each "
             "measurement in a fresh process; peak MB = resident memory above the level before the call. "
             "GPU rows: not measured (no GPU was lent to this task).\n"]
    def say(line=''): print(line, flush=True); lines.append(line)
    say('| model | method | library | precision | seconds | peak MB | xai_lit auto faster by | Spearman with fp32 map |')
    say('|---|---|---|---|---|---|---|---|')
    with tempfile.TemporaryDirectory() as tmp:
        for model in a.models:
            for method in a.methods:
                results = {}
                for lib in METHODS[method]:
                    maps = str(Path(tmp) / f'{model}-{method}-{lib}.pt'.replace(' ', '_'))
                    results[lib] = run_job(dict(model=model, method=method, lib=lib, threads=a.threads, maps=maps), a.timeout, __file__)
                    results[lib]['maps'] = maps
                fp32 = torch.load(results['xai_lit fp32']['maps'], weights_only=True) if 'error' not in results['xai_lit fp32'] else None
                fast = results['xai_lit auto']
                for lib, r in results.items():
                    if 'error' in r: say(f"| {model} | {method} | {lib} | - | error: {r['error']} | | | |"); continue
                    speedup = f"{r['seconds'] / fast['seconds']:.2f}x" if lib != 'xai_lit auto' and 'seconds' in fast else ''
                    rho = ''
                    if fp32 is not None and lib != 'xai_lit fp32':
                        rho = f"{spearman(fp32, torch.load(r['maps'], weights_only=True)).min().item():.4f}"
                    say(f"| {model} | {method} | {lib} | {r['precision'] if lib.startswith('xai_lit') else 'fp32'} | "
                        f"{r['seconds']:.2f} | {r['peak_mb']:.0f} | {speedup} | {rho} |")
    with atomic_write(a.out) as f: f.write('\n'.join(lines) + '\n')


if __name__ == '__main__': main()
