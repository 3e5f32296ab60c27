"""Milliseconds per image of a no-grad forward pass against the number of inputs per pass: the rule behind `inputs_per_pass`.

The perturbation explainers (Score-CAM, RISE, SISE) and Integrated Grad-CAM push many inputs per image through the
model, `batch_size` at a time; `xai_lit.core.inputs_per_pass` chooses that number when it is None (about 2**18
input pixels per pass on a CPU, 64 on a GPU). This measures the forward time per image at several chunk sizes for
the networks and sizes `00_core` quotes, and marks the chunk the rule picks.

    python bench/chunk_size.py               # CPU, 2 threads, best of 3 after a warm-up
Results go to bench/results/chunk_size.md (written atomically) and to stdout.
"""
import argparse, time, warnings
from pathlib import Path
import torch, torchvision
from xai_lit.core import atomic_write, inputs_per_pass
from xai_lit.models import tiny_cnn

warnings.filterwarnings('ignore')
HERE = Path(__file__).parent
CHUNKS = (1, 4, 8, 16, 32, 64, 128, 256)
CASES = [('ResNet-18', lambda: torchvision.models.resnet18(), 224, 64), ('ResNet-50', lambda: torchvision.models.resnet50(), 224, 64),
         ('ResNet-18', lambda: torchvision.models.resnet18(), 112, 64), ('tiny_cnn', lambda: tiny_cnn(10), 32, 256)]


def ms_per_image(model, size, chunk, repeats):
    x = torch.randn(chunk, 3, size, size)
    with torch.inference_mode():
        model(x)   # warm-up
        best = min(_timed(model, x) for _ in range(repeats))
    return 1000 * best / chunk


def _timed(model, x):
    t = time.perf_counter(); model(x); return time.perf_counter() - t


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--threads', type=int, default=2); p.add_argument('--repeats', type=int, default=3)
    a = p.parse_args()
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    header = '| network | size | ' + ' | '.join(str(c) for c in CHUNKS) + ' | rule picks |'
    rows = [header, '|' + '---|' * (len(CHUNKS) + 3)]
    for name, make, size, largest in CASES:
        model = make().eval()
        cells = [f'{ms_per_image(model, size, c, a.repeats):.2f}' if c <= largest else '' for c in CHUNKS]
        rows.append(f'| {name} | {size}² | ' + ' | '.join(cells) + f' | {inputs_per_pass(None, torch.empty(1, 3, size, size))} |')
        print(rows[-1], flush=True)
    text = '\n'.join(['# Forward time per image against inputs per pass (CPU)', '',
                      f'torch {torch.__version__}, CPU, {a.threads} threads, random weights, no-grad forward of random '
                      f'inputs; milliseconds per image at each chunk size, best of {a.repeats} after a warm-up '
                      '(`python bench/chunk_size.py`). "rule picks": `inputs_per_pass(None, x)` for that size.', '',
                      *rows, ''])
    print(text)
    with atomic_write(HERE / 'results' / 'chunk_size.md') as f: f.write(text)


if __name__ == '__main__': main()
