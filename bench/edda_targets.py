"""EDDA's salient losses compared on the shapes data ("Why the hinge" in nbs/33_callback.edda.ipynb links the result).

Each arm trains the tiny ResNet (width 16, seed 0) on 3,000 shapes images for 12 epochs (Adam, one-cycle 5e-3), EDDA
with Grad-CAM at `layer3` from epoch 2; then prints the test accuracy and the salient/non-salient gap and flip rates
on the test set (mean-colour fill, and the gap with a blurred fill). One seed; about 4 minutes on 2 CPU cores.

    python bench/edda_targets.py          # prints the table and writes bench/results/edda_targets.md (atomically)
"""
import warnings, torch
from pathlib import Path
import fastai.callback.progress
from fastai.learner import Learner
from fastai.metrics import accuracy
from fastai.callback.schedule import fit_one_cycle
from xai_lit.data import shapes_dataloaders, batches_with_masks
from xai_lit.models import tiny_resnet
from xai_lit.cam import GradCAM
from xai_lit.metrics import saliency_gap, blur
from xai_lit.callback.edda import EDDACallback
from xai_lit.core import atomic_write

warnings.filterwarnings('ignore')
ARMS = {'no augmentation': None, "'hinge' (δ = 0.2)": dict(salient_loss='hinge'),
        "'label_smoothing' (β = 0.5)": dict(salient_loss='label_smoothing'),
        "'uniform', salient weight 0.3": dict(salient_loss='uniform', salient_weight=0.3)}
OUT = Path(__file__).parent / 'results' / 'edda_targets.md'

def main(epochs=12):
    dls = shapes_dataloaders(bs=128, n_train=3000, n_valid=500, n_test=500, seed=1)
    x, y = [torch.cat(t).as_subclass(torch.Tensor) for t in list(zip(*batches_with_masks(dls[2])))[:2]]
    lines = [f'# EDDA salient losses on the shapes data\n\n{__doc__.splitlines()[2]} {__doc__.splitlines()[3]} '
             f'{__doc__.splitlines()[4]}\ntorch {torch.__version__}, {torch.get_num_threads()} threads.\n',
             '| salient loss | test accuracy | gap | salient flip | non-salient flip | gap, blurred fill |', '|---|---:|---:|---:|---:|---:|']
    print('\n'.join(lines), flush=True)
    for name, kwargs in ARMS.items():
        cbs = [] if kwargs is None else EDDACallback('layer3', **kwargs)
        learn = Learner(dls, tiny_resnet(dls.c, width=16, seed=0), metrics=accuracy, cbs=cbs)
        with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(epochs, 5e-3)
        maps = GradCAM(learn.model, 'layer3', relu=False)(x)
        same, blurred = saliency_gap(learn.model, x, maps).summary(), saliency_gap(learn.model, x, maps, fill=blur).summary()
        lines.append(f"| {name} | {learn.validate(ds_idx=2)[1]:.3f} | {same['gap']:.3f} | {same['salient_flip_rate']:.3f} | "
                     f"{same['nonsalient_flip_rate']:.3f} | {blurred['gap']:.3f} |")
        print(lines[-1], flush=True)
    with atomic_write(OUT) as f: f.write('\n'.join(lines) + '\n')

if __name__ == '__main__': main()
