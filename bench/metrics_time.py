"""Time of every xai_lit metric on 100 CIFAR-size (32x32) images, with a tiny CNN and Grad-CAM, on this CPU.

The tiny CNN (`models.tiny_cnn`, width 16) is trained for a few seconds on the toy shapes, on normalised inputs,
so that the metrics see a model that has learned something. Each metric runs once on 4 images first (warm-up), then
once on all images, timed. `evaluate` with every metric of `metrics.METRICS` is timed last: the full metric set as a
user runs it (Grad-CAM maps included).

    python bench/metrics_time.py                      # 100 images, 2 threads
    python bench/metrics_time.py --n 100 --threads 2
Results go to bench/results/metrics_time.md (written atomically) and to stdout.
"""
import argparse, os, platform, time, warnings
from pathlib import Path

from xai_lit.core import atomic_write

warnings.filterwarnings('ignore')
HERE = Path(__file__).parent


def cpu_name():
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or 'unknown CPU'


def setup(n, seed=0):
    "The trained tiny CNN, n normalised test images, their [0, 1] pixels, labels, masks and normalisation."
    import torch
    from xai_lit.data import toy_shapes
    from xai_lit.models import tiny_cnn, fit_classifier, model_accuracy
    x_train, y_train, _ = toy_shapes(2000, seed=seed)
    pixels, labels, masks = toy_shapes(n, seed=seed + 1)
    mean, std = x_train.mean((0, 2, 3)), x_train.std((0, 2, 3))
    normalise = lambda z: (z - mean[:, None, None]) / std[:, None, None]
    model = fit_classifier(tiny_cnn(), normalise(x_train), y_train, epochs=6, show_progress=False)
    model.zero_grad(set_to_none=True)
    images = normalise(pixels)
    return model, images, pixels, labels, masks, dict(mean=mean, std=std), model_accuracy(model, images, labels)


def jobs(model, images, pixels, labels, masks, stats, maps):
    "Name -> (function of a slice of the images, images scored per image, note)."
    import torch
    from xai_lit import metrics as M
    from xai_lit.cam import GradCAM
    cam = GradCAM(model, 'block3')
    n_steps = images.shape[-2] + 1  # step = the width: one row per step, plus the start
    def probs(s):
        with torch.no_grad(): return torch.softmax(model(images[s]), 1)
    return {
        'Grad-CAM maps': (lambda s: cam(images[s]), 1, 'the maps every metric below scores'),
        'deletion': (lambda s: M.deletion(model, images[s], maps[s]), n_steps, f'{n_steps} points (step = width)'),
        'insertion': (lambda s: M.insertion(model, images[s], maps[s]), n_steps, f'{n_steps} points, blur substrate'),
        'average drop / increase (keep 15 %)': (lambda s: M.average_drop_increase(model, images[s], maps[s]), 2, ''),
        'average drop / increase (x * map)': (lambda s: M.average_drop_increase(model, images[s], maps[s], mode='multiply'), 2, ''),
        'saliency gap': (lambda s: M.saliency_gap(model, images[s], maps[s]), 3, 'two forward passes'),
        'ROAD MoRF': (lambda s: M.road(model, images[s], maps[s]), 10, '9 fractions, noisy linear imputation'),
        'ROAD LeRF': (lambda s: M.road(model, images[s], maps[s], order='lerf'), 10, '9 fractions'),
        'pointing game + EBPG + mask IoU': (lambda s: (M.pointing_game(maps[s], masks[s]), M.energy_pointing_game(maps[s], masks[s]),
                                                     M.mask_iou(maps[s], masks[s])), 0, 'no model'),
        'cascading randomisation': (lambda s: M.cascading_randomisation(model, images[s], cam), 9, '7 layers, Grad-CAM each'),
        'ECE (with the forward pass)': (lambda s: M.ece(probs(s), labels[s]), 1, '15 bins'),
        'FGSM accuracy (eps 4/255)': (lambda s: M.robust_accuracy(model, pixels[s], labels[s], 4 / 255, 'fgsm', **stats), 2, ''),
        'PGD-10 accuracy (eps 4/255)': (lambda s: M.robust_accuracy(model, pixels[s], labels[s], 4 / 255, 'pgd', **stats), 12, 'labels, 10 steps, final check'),
    }


def timed(fn):
    t = time.perf_counter(); out = fn(); return out, time.perf_counter() - t


def forward_floor(model, images, n_images, batch_size=64):
    "Seconds for `n_images` bare forward passes of images like `images`, in chunks of `batch_size`: the floor."
    import torch
    if n_images == 0: return 0.
    chunk = images[:1].expand(batch_size, *images.shape[1:]).contiguous()
    with torch.no_grad():
        _, seconds = timed(lambda: [model(chunk[:min(batch_size, n_images - i)]) for i in range(0, n_images, batch_size)])
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--n', type=int, default=100, help='number of 32x32 images')
    parser.add_argument('--threads', type=int, default=2, help='torch threads')
    parser.add_argument('--out', default=str(HERE / 'results' / 'metrics_time.md'))
    args = parser.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    from xai_lit import metrics as M
    from xai_lit.cam import GradCAM
    load_before = os.getloadavg()[0]
    (model, images, pixels, labels, masks, stats, accuracy), train_s = timed(lambda: setup(args.n))
    maps = GradCAM(model, 'block3')(images)
    rows, everything = [], slice(None)
    for name, (fn, per_image, note) in jobs(model, images, pixels, labels, masks, stats, maps).items():
        fn(slice(0, 4))  # warm-up
        _, seconds = timed(lambda: fn(everything))
        floor = forward_floor(model, images, per_image * args.n)
        rows.append((name, seconds, per_image, floor, note))
        print(f'{name:<40} {seconds:7.3f} s   bare forwards {floor:6.3f} s')
    batches = [(images[i:i + 50], labels[i:i + 50], masks[i:i + 50]) for i in range(0, args.n, 50)]
    explainers = {'Grad-CAM': GradCAM(model, 'block3')}
    _, evaluate_s = timed(lambda: M.evaluate(model, batches, explainers, metrics=list(M.METRICS), progress=False))
    print(f'{"evaluate(all METRICS)":<40} {evaluate_s:7.2f} s')
    write_report(args, rows, evaluate_s, accuracy, train_s, load_before, os.getloadavg()[0])


def write_report(args, rows, evaluate_s, accuracy, train_s, load_before, load_after):
    import torch
    lines = [
        '# Time of the metric set on CIFAR-size images',
        '',
        f'{args.n} toy-shapes images of 32x32 px, `tiny_cnn()` (width 16, test accuracy {accuracy:.3f}, trained in '
        f'{train_s:.0f} s including the data), Grad-CAM on `block3`, batch size 64 (the default) for chunked scoring. '
        f'CPU: {cpu_name()}, {args.threads} torch threads, torch {torch.__version__}. The machine is shared: load average '
        f'{load_before:.1f} before and {load_after:.1f} after the run, so treat the times as indicative. Each row ran once '
        f'after a warm-up on 4 images; "forward passes" counts full-size images scored per image (PGD and randomisation '
        f'also run backward passes) and "their bare cost" times that many plain forward passes in chunks of 64: the '
        f'floor for the metric. The rest is building the perturbed images (ROAD: the sparse solves) and the bookkeeping.',
        '',
        '| metric | seconds | ms per image | forward passes per image | their bare cost (s) | notes |',
        '|---|---:|---:|---:|---:|---|',
    ]
    lines += [f'| {name} | {s:.3f} | {1000 * s / args.n:.2f} | {per} | {floor:.3f} | {note} |' for name, s, per, floor, note in rows]
    total = sum(row[1] for row in rows)
    lines += [f'| **sum of the rows** | **{total:.2f}** | **{1000 * total / args.n:.1f}** | | | |',
              f'| `evaluate(..., metrics=list(METRICS))` | {evaluate_s:.2f} | {1000 * evaluate_s / args.n:.1f} | | | '
              'deletion, insertion, Average Drop/Increase, saliency gap, ROAD MoRF+LeRF, localisation; maps included |',
              '', f'Command: `python bench/metrics_time.py --n {args.n} --threads {args.threads}`', '']
    with atomic_write(args.out) as f: f.write('\n'.join(lines))
    print(f'written {args.out}')


if __name__ == '__main__':
    main()
