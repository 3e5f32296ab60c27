"Where `xai_lit demo` spends its time: the demo's own progress lines, each prefixed with the process's CPU seconds and the wall seconds so far."
import argparse, builtins, json, os, sys, time, tempfile
from pathlib import Path

p = argparse.ArgumentParser(description=__doc__)
p.add_argument('--quick', action='store_true')
p.add_argument('--set', action='append', default=[], metavar='KEY=VALUE', help='override a DEMO_SETTINGS entry (repeatable)')
p.add_argument('--out', help='report folder (default: a temporary one)')
a = p.parse_args()
t0, c0 = time.time(), time.process_time()
stamp = lambda: f'[cpu {time.process_time() - c0:6.1f} s | wall {time.time() - t0:6.1f} s]'
_print = builtins.print
builtins.print = lambda *args, **kwargs: _print(stamp(), *args, **kwargs)
from xai_lit.cli import run_demo, third_party_warnings_hidden
import torch
print(f'imported; {torch.get_num_threads()} torch threads, OMP_NUM_THREADS={os.environ.get("OMP_NUM_THREADS")}')
settings = {k: json.loads(v) for k, v in (s.split('=', 1) for s in a.set)}
with third_party_warnings_hidden():
    r = run_demo(a.out or Path(tempfile.mkdtemp()) / 'report', quick=a.quick, progress='lines', **settings)
print('done', json.dumps({m: round(l.history[-1]['accuracy'], 3) for m, l in r['learners'].items()}))
