"""SupCon's CIFAR views against milder ones on the shapes data: the numbers in nbs/32_callback.excon.ipynb ("Views").

SupCon (its linear classifier online, `linear='online'`, as when 32 quoted these numbers) on the contrastive tiny ResNet (width 16, seed 0), 3,000 shapes images, 6 epochs,
one-cycle schedule; prints the linear classifier's test accuracy. About 2 minutes on 2 CPU cores.

    python bench/supcon_views.py
"""
import warnings
from functools import partial
import fastai.callback.progress
from fastai.learner import Learner
from fastai.metrics import accuracy
from fastai.optimizer import SGD, Adam
from fastai.callback.schedule import fit_one_cycle
from xai_lit.data import shapes_dataloaders, ContrastiveViews
from xai_lit.models import contrastive_resnet
from xai_lit.callback.supcon import SupConCallback

warnings.filterwarnings('ignore')

def main(epochs=6):
    dls = shapes_dataloaders(bs=128, n_train=3000, n_valid=500, n_test=500, seed=1)
    sgd = partial(SGD, mom=0.9, wd=1e-4, decouple_wd=False)
    mild = ContrastiveViews(scale=(0.5, 1), p_jitter=0.3, p_gray=0, stats=dls.stats)
    arms = {'CIFAR views, SGD 0.05': (None, sgd, 0.05), 'CIFAR views, Adam 3e-3': (None, Adam, 3e-3),
            'milder views, Adam 3e-3': (mild, Adam, 3e-3)}
    for name, (views, opt, lr) in arms.items():
        learn = Learner(dls, contrastive_resnet('tiny', dls.c, width=16, seed=0), metrics=accuracy,
                        cbs=SupConCallback(views=views, linear='online'), opt_func=opt)
        with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(epochs, lr)
        print(f'{name:26} test accuracy {learn.validate(ds_idx=2)[1]:.3f}', flush=True)

if __name__ == '__main__': main()
