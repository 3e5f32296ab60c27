"""EDDA's salient targets compared on the shapes data: the table in nbs/33_callback.edda.ipynb ("Why the hinge").

Each arm trains the tiny ResNet (width 16, seed 0) on 3,000 shapes images for 12 epochs (Adam, one-cycle 5e-3), EDDA
with Grad-CAM at `layer3` from epoch 2; then prints the test accuracy and the salient/non-salient gap and flip rates
on the test set (mean-colour fill, and the gap with a blurred fill). One seed; about 4 minutes on 2 CPU cores.

    python bench/edda_targets.py
"""
import warnings, torch
import fastai.callback.progress
from fastai.learner import Learner
from fastai.metrics import accuracy
from fastai.callback.schedule import fit_one_cycle
from xai_lit.data import shapes_dataloaders, batches_with_masks
from xai_lit.models import tiny_resnet
from xai_lit.cam import GradCAM
from xai_lit.metrics import saliency_gap, blur
from xai_lit.callback.edda import EDDACallback

warnings.filterwarnings('ignore')
ARMS = {'no augmentation': None, "'hinge' (δ = 0.2)": dict(salient_target='hinge'),
        "'smooth' (β = 0.5)": dict(salient_target='smooth'), "'uniform', salient weight 0.3": dict(salient_target='uniform', salient_weight=0.3)}

def main(epochs=12):
    dls = shapes_dataloaders(bs=128, n_train=3000, n_valid=500, n_test=500, seed=1)
    x, y = [torch.cat(t).as_subclass(torch.Tensor) for t in list(zip(*batches_with_masks(dls[2])))[:2]]
    print('| salient target | test accuracy | gap | salient flip | non-salient flip | gap, blurred fill |\n|---|---:|---:|---:|---:|---:|')
    for name, kwargs in ARMS.items():
        cbs = [] if kwargs is None else EDDACallback('layer3', **kwargs)
        learn = Learner(dls, tiny_resnet(dls.c, width=16, seed=0), metrics=accuracy, cbs=cbs)
        with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(epochs, 5e-3)
        maps = GradCAM(learn.model, 'layer3', relu=False)(x)
        same, blurred = saliency_gap(learn.model, x, maps).summary(), saliency_gap(learn.model, x, maps, fill=blur).summary()
        print(f"| {name} | {learn.validate(ds_idx=2)[1]:.3f} | {same['gap']:.3f} | {same['salient_flip_rate']:.3f} | "
              f"{same['nonsalient_flip_rate']:.3f} | {blurred['gap']:.3f} |", flush=True)

if __name__ == '__main__': main()
