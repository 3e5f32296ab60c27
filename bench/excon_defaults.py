"""ExCon's defaults before and after issue 18, on the setting of the tutorial `contrastive_learning_with_explanations`.

The arms share the seed, data, views, first batches and schedule (the tutorial's: shapes data, 3,000 training
images, tiny ResNet of width 16, batch 128, fastai's Adam one-cycle at 5e-3 for 8 epochs, masks from epoch 5):

- `old`: the defaults before: the classifier that gates the masks trains on the detached features of every training
  batch, the accepted masked views included (`linear='online'`), and each rejected masked image is in the batch once
  (`background_copies=1`);
- `new`: the reference code's: the classifier trains one epoch after each encoder epoch on crops and flips of the
  unmasked images, with its own persistent SGD (momentum 0.9, L2 weight decay 1e-4, the learner's learning rate), and
  sits out the encoder's steps (`linear='epoch'`); each rejected masked image is in both view batches
  (`background_copies=2`);
- `new-lr0.1`: the new defaults, but the classifier's SGD at a fixed 0.1 (`linear_lr=0.1`) instead of the learner's
  Adam rate: whether what changes comes from the classifier's small learning rate.

Reported: the test-set scores of `xai_lit.cli.compare_methods` (accuracy of the linear classifier, ECE, FGSM accuracy
at 2/255, Grad-CAM at layer3: deletion and insertion AUC, Average Drop and Increase with the top 15 % kept, energy on
the object), the validation accuracy after the warm-up and at the end, the gate's acceptance rate and the background
items per image in the last epoch, and seconds per epoch. One seed: a measurement of this setting, not an effect size.

    OMP_NUM_THREADS=1 python bench/excon_defaults.py             # a few minutes per arm on one idle core
    OMP_NUM_THREADS=1 python bench/excon_defaults.py --seeds 0 1 --arms old new
Results go to bench/results/excon_defaults.md (written atomically) and to stdout.
"""
import argparse, os, time, warnings
from pathlib import Path
import torch
import pandas as pd
from xai_lit.core import atomic_write

warnings.filterwarnings('ignore')
HERE = Path(__file__).parent
ARMS = {'old': dict(linear='online', background_copies=1), 'new': {},
        'new-lr0.1': dict(linear_lr=0.1)}   # the new defaults, the classifier's SGD at 0.1 instead of Adam's rate
EPOCHS, LR, WARMUP = 8, 5e-3, 4


def run(arm: str, seed: int, dls) -> tuple:
    from fastai.torch_core import set_seed
    import fastai.callback.progress   # learn.no_bar()
    from xai_lit.train import method_learner
    set_seed(seed); dls.train.rng.seed(seed)   # the same weights, views, batches and order for both arms
    learn = method_learner(dls, 'excon', seed=seed, model_kwargs=dict(width=16), warmup_epochs=WARMUP, **ARMS[arm])
    t = time.time()
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(EPOCHS, LR)
    seconds = (time.time() - t) / EPOCHS
    history = pd.DataFrame([list(map(float, v)) for v in learn.recorder.values], columns=learn.recorder.metric_names[1:-1])
    return learn, history, seconds


def report(df: pd.DataFrame, seeds: list, threads: int, note: str = '') -> str:
    "The results as markdown: the table (means over seeds), then every run."
    table = df.drop(columns='seed').groupby('arm', sort=False).mean() if len(seeds) > 1 else df.drop(columns='seed').set_index('arm')
    cols = list(table.columns)
    lines = ['| arm | ' + ' | '.join(cols) + ' |', '|---|' + '---|' * len(cols)]
    lines += [f'| {arm} | ' + ' | '.join(f'{v:.3f}' for v in r) + ' |' for arm, r in zip(table.index, table.values.tolist())]
    text = '\n'.join([
        '# ExCon: the defaults before and after issue 18', '',
        f'torch {torch.__version__}, CPU, {threads} thread(s); seeds {seeds}; the tutorial\'s setting: shapes data '
        f'(3,000 training / 500 test images), tiny ResNet width 16, batch 128, Adam one-cycle {LR} for {EPOCHS} epochs, '
        f'masks from epoch {WARMUP + 1}; `python bench/excon_defaults.py` ({Path(__file__).name}).', '',
        '- `old`: `linear=\'online\'` (the gating classifier trains on every training batch, accepted masked views '
        'included), `background_copies=1`.',
        '- `new` (the defaults now, the reference code\'s): `linear=\'epoch\'` (one epoch of crops and flips after each '
        'encoder epoch, persistent SGD with momentum 0.9 and weight decay 1e-4, at the learner\'s learning rate), '
        '`background_copies=2`.',
        '- `new-lr0.1`: the new defaults with `linear_lr=0.1` (the classifier\'s SGD at a fixed 0.1).', '',
        'Test set (500 images): `accuracy` of the linear classifier, `ece`, `fgsm_accuracy` (2/255); Grad-CAM at layer3: '
        '`deletion` and `insertion` AUC, `average_drop` and `increase` (top 15 % kept, mean colour elsewhere), '
        '`energy_pointing_game`. Validation accuracy after the warm-up and at the end; the last epoch\'s acceptance '
        'rate and background items per image; seconds per epoch' + (f' (means over {len(seeds)} seeds)' if len(seeds) > 1 else '') + '.', '',
        *lines, '', *([note, ''] if note else []),
        'Per seed:', '', df.to_string(index=False), ''])
    return text


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--seeds', type=int, nargs='+', default=[0])
    p.add_argument('--arms', nargs='+', default=list(ARMS), choices=list(ARMS))
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--out', default=str(HERE / 'results' / 'excon_defaults.md'))
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    from xai_lit.data import shapes_dataloaders, batches_with_masks
    from xai_lit.cli import compare_methods
    dls = shapes_dataloaders(bs=128, n_train=3000, n_valid=500, n_test=500, seed=1)
    test_x, test_y, test_masks = [torch.cat(t).as_subclass(torch.Tensor) for t in zip(*batches_with_masks(dls[2]))]
    rows = []
    for seed in a.seeds:
        for arm in a.arms:
            learn, h, seconds = run(arm, seed, dls)
            score = compare_methods({arm: learn}, test_x, test_y, test_masks, dls.stats).iloc[0].to_dict()
            score.pop('method')
            rows.append(dict(arm=arm, seed=seed, **score, valid_acc_warmup=h['accuracy'][WARMUP - 1],
                             valid_acc_end=h['accuracy'].iloc[-1], accept_rate=h['accept_rate'].iloc[-1],
                             background=h['background'].iloc[-1], s_per_epoch=seconds))
            print({k: round(v, 4) if isinstance(v, float) else v for k, v in rows[-1].items()}, flush=True)
    text = report(pd.DataFrame(rows), a.seeds, a.threads)
    out = Path(a.out); out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(out, 'w') as f: f.write(text)
    print(text)


if __name__ == '__main__': main()
