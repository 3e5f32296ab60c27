"""Images per second of the shapes DataLoaders: the fastai-native loaders against the plain tensor loader they replaced.

Issue 19 made the in-memory loaders real fastai `Datasets`/`TfmdDL` (so that `show_batch`, `predict`,
`ClassificationInterpretation` and `export` work) on the condition that training does not lose more than 10 % of
its speed. `plain` below is the loader xai_lit had before (commit 6ed7880, `xai_lit/data.py`: a fastai `DataLoader`
over a tensor data set that gathers each batch with one indexing operation and normalises it), written out here so
that the comparison runs in one process on the same tensors; `fastai-native` is today's `tensor_dataloaders`.

Two measures, interleaved and repeated, best of `--repeats`:
- *iterate*: one training epoch of batches (shuffle, gather, uint8 -> float, normalise), nothing else;
- *train*: one epoch of `Learner.fit` of the tiny ResNet (width 16) with Adam, the loader's share of a real step.

    python bench/loader_speed.py                     # 5000 shapes images, bs 128, 2 threads
    python bench/loader_speed.py --n 20000 --repeats 7
Results go to bench/results/loader_speed.md (written atomically) and to stdout.
"""
import argparse, random, time, warnings
from pathlib import Path
import torch
from fastai.data.core import DataLoaders
from fastai.data.load import DataLoader
from fastai.torch_core import TensorImage, TensorCategory
from xai_lit.core import atomic_write
from xai_lit.data import shapes_splits, SHAPE_CLASSES, tensor_dataloaders, channel_stats, NormalizeBatch

warnings.filterwarnings('ignore')
HERE = Path(__file__).parent


class PlainTensorDataset:
    "The data set of the loader before issue 19: float batches in [0, 1] gathered at once."
    def __init__(self, images, labels): self.images, self.labels = images, labels.long()
    def __len__(self): return len(self.images)
    def __getitem__(self, i): return self.batch(torch.as_tensor([i]))
    def batch(self, idxs): return TensorImage(self.images[idxs].float().div_(255)), TensorCategory(self.labels[idxs])


class PlainTensorDataLoader(DataLoader):
    def create_item(self, i): return i
    def create_batch(self, idxs): return self.dataset.batch(torch.as_tensor(idxs))
    def retain(self, res, b): return res


def plain_dataloaders(splits, bs, seed):
    datasets = [PlainTensorDataset(images, labels) for images, labels in splits]
    normalize = NormalizeBatch(*channel_stats(datasets[0].images))
    loaders = [PlainTensorDataLoader(ds, bs=bs, shuffle=i == 0, drop_last=i == 0, num_workers=0, after_batch=normalize)
               for i, ds in enumerate(datasets)]
    loaders[0].rng = random.Random(seed)
    dls = DataLoaders(*loaders)
    dls.c = len(SHAPE_CLASSES)
    return dls


def iterate(dls):
    t = time.perf_counter()
    n = sum(len(y) for _, y in dls.train)
    return n / (time.perf_counter() - t)


def train(dls):
    from fastai.learner import Learner
    from fastai.losses import CrossEntropyLossFlat
    import fastai.callback.progress   # learn.no_bar()
    from xai_lit.models import tiny_resnet
    learn = Learner(dls, tiny_resnet(dls.c, width=16, seed=0), loss_func=CrossEntropyLossFlat())
    with learn.no_bar(), learn.no_logging():
        t = time.perf_counter(); learn.fit(1, 1e-3); seconds = time.perf_counter() - t
    return len(dls.train) * dls.train.bs / seconds


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--n', type=int, default=5000); p.add_argument('--bs', type=int, default=128)
    p.add_argument('--repeats', type=int, default=5); p.add_argument('--threads', type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    splits = shapes_splits(a.n, a.bs, 10, seed=0)   # a one-batch validation set: the fit is nearly all training
    loaders = {'plain (before)': plain_dataloaders([(splits[s].images, splits[s].labels) for s in ('train', 'valid')], a.bs, 0),
               'fastai-native': tensor_dataloaders({s: (splits[s].images, splits[s].labels) for s in ('train', 'valid')},
                                                   SHAPE_CLASSES, bs=a.bs, seed=0)}
    best = {(name, m): 0. for name in loaders for m in ('iterate', 'train')}
    for dls in loaders.values(): iterate(dls); train(dls)   # warm-up, not counted
    for _ in range(a.repeats):   # interleaved, so that both see the same machine
        for name, dls in loaders.items():
            best[name, 'iterate'] = max(best[name, 'iterate'], iterate(dls))
            best[name, 'train'] = max(best[name, 'train'], train(dls))
    before = {m: best['plain (before)', m] for m in ('iterate', 'train')}
    rows = ['| loader | iterate: images / s | / before | train: images / s | / before |', '|---|---|---|---|---|']
    for name in loaders:
        rows.append(f"| {name} | {best[name, 'iterate']:.0f} | {best[name, 'iterate'] / before['iterate']:.2f} | "
                    f"{best[name, 'train']:.0f} | {best[name, 'train'] / before['train']:.2f} |")
    text = '\n'.join([
        '# DataLoader speed: fastai-native tensor loaders against the plain tensor loader they replaced', '',
        f'torch {torch.__version__}, CPU, {a.threads} threads; shapes data, {a.n} training images of 32x32, batch {a.bs}; '
        f'best of {a.repeats} interleaved repeats (`python bench/loader_speed.py`)', '', *rows, '',
        '*iterate*: one training epoch of batches, nothing else. *train*: one epoch of `Learner.fit` of the tiny ResNet '
        '(width 16), images per second of the whole step.', ''])
    print(text)
    with atomic_write(HERE / 'results' / 'loader_speed.md') as f: f.write(text)


if __name__ == '__main__': main()
