#!/usr/bin/env python
"""The Explorer (xai_lit.viz) in a real browser: served by Voilà on localhost, driven by headless Chromium.

What it does:
1. writes a small notebook that trains a tiny ResNet on the shapes data for a few seconds and shows
   `Explorer(model, dls)`, and serves it with Voilà on 127.0.0.1 (its kernel is the project's Python, given by
   --kernel-python; Voilà itself may live in another environment);
2. opens it in headless Chromium with every host but 127.0.0.1 unresolvable (so the page must work offline: the
   widget JavaScript has to come from Voilà, not from a CDN), and records every URL the page requests;
3. changes the image, the explainer, the layer (and the "all layers" box), the class and the threshold as a user
   does (typing into a slider's readout, picking in a drop-down), and after each change waits for the overlay
   figure (<img> in the explorer's output) to change, timing it: each redraw must complete in under --limit seconds;
4. checks the page's text (true class, prediction, explained class, the numbers' plain names) and that the layer
   list holds the block outputs, and saves a screenshot per step to --screenshots (bench/results/explorer_*.png),
   and the timings to bench/results/explorer_browser.md.

Needs: `pip install voila selenium` (in this or another environment) and Chromium with its driver
(`apt-get install -y chromium chromium-driver`). Not part of CI (.ci/run): it takes about a minute.

Usage: python .ci/browser_test.py [--kernel-python .venv/bin/python] [--port 8866] [--limit 2]
Exit status 0 when every check passed, 1 otherwise.
"""
import argparse, base64, hashlib, json, os, re, shutil, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

APP = r'''
import warnings; warnings.simplefilter('ignore')
import torch
from torch import Tensor
from xai_lit.data import shapes_dataloaders
from xai_lit.models import tiny_resnet, fit_classifier
from xai_lit.viz import Explorer
dls = shapes_dataloaders(bs=16, n_train=1024, n_valid=64, n_test=64, device='cpu')
x, y = next(iter(dls.train.new(bs=1024, shuffle=False, drop_last=False)))
model = fit_classifier(tiny_resnet(dls.c, width=8, seed=0), x.as_subclass(Tensor), y.as_subclass(Tensor), epochs=2, show_progress=False)
Explorer(model, dls)
'''


def write_app(folder: Path, kernel_python: str) -> Path:
    "The notebook Voilà serves, and a kernel spec that runs it with `kernel_python` (one thread)."
    spec = folder / 'share' / 'jupyter' / 'kernels' / 'xai-lit-browser-test'
    spec.mkdir(parents=True)
    (spec / 'kernel.json').write_text(json.dumps(dict(
        argv=[kernel_python, '-m', 'ipykernel_launcher', '-f', '{connection_file}'], display_name='xai_lit (browser test)',
        language='python', env=dict(OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', PYTHONPATH=str(ROOT)))))
    nb = dict(nbformat=4, nbformat_minor=5, cells=[dict(cell_type='code', id='app', metadata={}, execution_count=None,
              outputs=[], source=APP.strip())],
              metadata=dict(kernelspec=dict(name='xai-lit-browser-test', display_name='xai_lit (browser test)', language='python')))
    path = folder / 'explorer_app.ipynb'
    path.write_text(json.dumps(nb))
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def start_voila(app: Path, port: int, folder: Path, voila_python: str, kernel_python: str):
    "Voilà serving `app` on 127.0.0.1:`port`, finding the kernel spec under `folder`; its log goes to folder/voila.log."
    # the widgets' JavaScript (jupyterlab_widgets' lab extension) comes from the kernel's environment, so that it
    # matches the kernel's ipywidgets; Voilà serves it from a folder that holds only it: nothing from a CDN
    kernel_prefix = subprocess.run([kernel_python, '-c', 'import sys; print(sys.prefix)'], capture_output=True, text=True, check=True).stdout.strip()
    widgets_js = Path(kernel_prefix) / 'share' / 'jupyter' / 'labextensions' / '@jupyter-widgets'
    if not widgets_js.exists(): raise RuntimeError(f'no widget JavaScript at {widgets_js}: pip install ipywidgets in the kernel environment')
    (folder / 'share' / 'jupyter' / 'labextensions').mkdir(parents=True, exist_ok=True)
    shutil.copytree(widgets_js, folder / 'share' / 'jupyter' / 'labextensions' / '@jupyter-widgets')   # a copy: Voilà serves no symlink leading outside
    env = dict(os.environ, JUPYTER_PATH=str(folder / 'share' / 'jupyter'), JUPYTER_CONFIG_DIR=str(folder / 'config'),
               JUPYTER_DATA_DIR=str(folder / 'data'), JUPYTER_RUNTIME_DIR=str(folder / 'runtime'))
    log = open(folder / 'voila.log', 'w')
    proc = subprocess.Popen([voila_python, '-m', 'voila', str(app), '--no-browser', f'--port={port}', '--Voila.ip=127.0.0.1',
                             '--show_tracebacks=True'],
                            cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        if proc.poll() is not None: raise RuntimeError(f"voila exited: see {folder / 'voila.log'}:\n{(folder / 'voila.log').read_text()[-3000:]}")
        try:
            urllib.request.urlopen(f'http://127.0.0.1:{port}/voila/static/', timeout=1)
        except urllib.error.HTTPError: return proc   # the server answers (403/404 on a folder is fine)
        except Exception: time.sleep(0.2); continue
        return proc
    raise RuntimeError('voila did not start in 60 s')


def browser(chromium: str, driver: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for a in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--window-size=1400,880',
              '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1'):   # offline: only localhost resolves
        opts.add_argument(a)
    opts.set_capability('goog:loggingPrefs', {'performance': 'ALL'})
    return webdriver.Chrome(options=opts, service=Service(driver))


def requested_urls(drv) -> list[str]:
    "URLs the page requested since the last call (from Chromium's performance log)."
    urls = []
    for entry in drv.get_log('performance'):
        msg = json.loads(entry['message'])['message']
        if msg.get('method') == 'Network.requestWillBeSent': urls.append(msg['params']['request']['url'])
    return urls


class Page:
    "The explorer on the page: its controls by the CSS classes Explorer gives them, and its figure."
    def __init__(self, drv): self.drv = drv
    def find(self, css, timeout=120):
        from selenium.webdriver.support.ui import WebDriverWait
        return WebDriverWait(self.drv, timeout).until(lambda d: d.find_element('css selector', css))
    def figure_src(self) -> str|None:
        "The overlay figure's <img> src (a data: URL), or None while it is being replaced."
        try: return self.drv.find_element('css selector', '.xai-explorer-output img').get_attribute('src')
        except Exception: return None
    def retry(self, f, tries=50):
        "f(), again while the element it reads is being re-rendered (stale)."
        from selenium.common.exceptions import StaleElementReferenceException
        for _ in range(tries - 1):
            try: return f()
            except StaleElementReferenceException: time.sleep(0.1)
        return f()
    def text(self, name) -> str: return self.retry(lambda: self.find(f'.xai-explorer-{name}').text)
    def select(self, name, label):
        from selenium.webdriver.support.ui import Select
        self.retry(lambda: Select(self.find(f'.xai-explorer-{name} select')).select_by_visible_text(label))
    def options(self, name) -> list[str]:
        return self.retry(lambda: [o.text for o in self.find(f'.xai-explorer-{name} select').find_elements('css selector', 'option')])
    def type_value(self, name, value):
        "Type a value into a slider's readout and press Enter, as a user does."
        from selenium.webdriver.common.keys import Keys
        readout = self.find(f'.xai-explorer-{name} .widget-readout')
        readout.click()
        readout.send_keys(Keys.CONTROL, 'a'); readout.send_keys(str(value)); readout.send_keys(Keys.ENTER)
    def click(self, name): self.find(f'.xai-explorer-{name} input').click()


def wait_for_change(page, before: str, limit: float, timeout: float = 20.) -> tuple[float, str]:
    "Seconds until the figure's src differs from `before` (polled every 20 ms), and the new src."
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        src = page.figure_src()
        if src and src != before: return time.perf_counter() - start, src
        time.sleep(0.02)
    raise AssertionError(f'the figure did not change within {timeout} s')


def screenshot(drv, path: Path):
    "A screenshot of the page, quantised to a palette PNG to stay small."
    drv.save_screenshot(str(path))
    try:
        from PIL import Image
        Image.open(path).convert('RGB').quantize(128).save(path, optimize=True)
    except ImportError: pass


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_kernel = ROOT / '.venv' / 'bin' / 'python'
    p.add_argument('--kernel-python', default=str(default_kernel if default_kernel.exists() else sys.executable),
                   help='the Python with xai_lit, torch and ipykernel that runs the notebook (default: .venv/bin/python)')
    p.add_argument('--voila-python', default=sys.executable, help='the Python with voila installed (default: this one)')
    p.add_argument('--chromium', default=shutil.which('chromium') or shutil.which('chromium-browser') or shutil.which('google-chrome'))
    p.add_argument('--driver', default=shutil.which('chromedriver'))
    p.add_argument('--port', type=int, default=0, help='0: a free port')
    p.add_argument('--limit', type=float, default=2.0, help='seconds each redraw may take')
    p.add_argument('--screenshots', default=str(ROOT / 'bench' / 'results'))
    a = p.parse_args()
    if not a.chromium or not a.driver: sys.exit('needs chromium and chromedriver on the PATH (apt-get install -y chromium chromium-driver)')
    out = Path(a.screenshots); out.mkdir(parents=True, exist_ok=True)
    (out / 'explorer_failure.png').unlink(missing_ok=True)
    folder = Path(tempfile.mkdtemp(prefix='xai_lit_browser_'))
    port = a.port or free_port()
    app = write_app(folder, a.kernel_python)
    t0 = time.perf_counter()
    voila = start_voila(app, port, folder, a.voila_python, a.kernel_python)
    drv, failures, rows, loaded = None, [], [], float('nan')
    def check(ok, what):
        print(('ok   ' if ok else 'FAIL ') + what, flush=True)
        if not ok: failures.append(what)
    try:
        drv = browser(a.chromium, a.driver)
        page = Page(drv)
        t1 = time.perf_counter()
        drv.get(f'http://127.0.0.1:{port}/')
        page.find('.xai-explorer-output img', timeout=240)
        loaded = time.perf_counter() - t1
        print(f'page with the explorer rendered in {loaded:.1f} s (Voilà runs the notebook: imports, a few seconds of training)')
        src = page.figure_src()
        screenshot(drv, out / 'explorer_0_start.png')
        labels = page.text('labels')
        check('true class:' in labels and 'predicted:' in labels and 'explained:' in labels, f'the three classes said apart: {labels!r}')
        numbers = page.text('numbers')
        check(all(n in numbers for n in ('probability of the explained class', 'probability on the kept pixels', 'share of pixels kept',
                                          'pointing game hit', 'energy inside the object')) and '_' not in numbers, 'the numbers have plain names')
        check(page.options('layer') == ['layer1', 'layer2', 'layer3', 'layer4'], f"layer list is the block outputs: {page.options('layer')}")
        check(page.find('.xai-explorer-image .widget-readout').text == '0', 'image 0 first')

        def timed(i, name, what, act):
            "Do `act`, wait for the overlay to change, time it, take a screenshot."
            before = page.figure_src()
            act()
            seconds, _ = wait_for_change(page, before, a.limit)
            rows.append((what, seconds))
            check(seconds < a.limit, f'{what}: the overlay changed after {seconds:.2f} s (limit {a.limit} s)')
            time.sleep(0.3)
            screenshot(drv, out / f'explorer_{i}_{name}.png')
        timed(1, 'image', 'image 40 (in the third batch of 16)', lambda: page.type_value('image', 40))
        check(page.find('.xai-explorer-image .widget-readout').text == '40', 'image 40 picked')
        timed(2, 'explainer', 'explainer: Layer-CAM', lambda: page.select('explainer', 'Layer-CAM'))
        timed(3, 'layer', 'layer: layer2', lambda: page.select('layer', 'layer2'))
        page.click('all_layers')
        from selenium.webdriver.support.ui import WebDriverWait
        WebDriverWait(drv, 10).until(lambda d: len(page.options('layer')) > 4)
        timed(4, 'all_layers', '"all layers", then layer: layer2.0.conv1', lambda: page.select('layer', 'layer2.0.conv1'))
        other = next(c for c in page.options('target')[1:] if f'explained: {c} ' not in page.text('labels'))
        timed(5, 'target', f'explain the class "{other}"', lambda: page.select('target', other))
        timed(6, 'threshold', 'threshold: 0.8', lambda: page.type_value('threshold', 0.8))
        timed(7, 'threshold_cached', 'threshold: 0.2 (the map is cached)', lambda: page.type_value('threshold', 0.2))
        layers = page.options('layer')
        check(len(layers) > 4 and 'bn1' in layers, f'"all layers" offers every spatial layer ({len(layers)})')
        check(f'explained: {other} (picked)' in page.text('labels'), f'the explained class is the one picked: {page.text("labels")!r}')
        outside = [u for u in requested_urls(drv) if not re.match(r'(https?://127\.0\.0\.1[:/]|data:|blob:|about:)', u)]
        # Voilà's widget manager asks a CDN for Font Awesome's CSS (icons only; this explorer shows none): it is
        # blocked here like every other outside host, reported, and not needed
        icons = [u for u in outside if 'fontawesome' in u]
        if icons: print(f'note: {len(icons)} request(s) for Font Awesome CSS went to a CDN and were blocked (icons only): {icons[0]}')
        check(not [u for u in outside if u not in icons], f'offline: no other request outside localhost {[u for u in outside if u not in icons][:5]}')
    except Exception as e:
        failures.append(repr(e)); print('FAIL', repr(e))
        if drv: screenshot(drv, out / 'explorer_failure.png')
    finally:
        if drv: drv.quit()
        voila.terminate()
        try: voila.wait(10)
        except subprocess.TimeoutExpired: voila.kill()
    total = time.perf_counter() - t0
    table = '\n'.join(f'| {w} | {s:.2f} |' for w, s in rows)
    report = (f'# The Explorer in a real browser\n\n`python .ci/browser_test.py` on {time.strftime("%Y-%m-%d")}: Voilà on localhost, '
              f'headless Chromium {chromium_version(a.chromium)}, the kernel with one thread (OMP_NUM_THREADS=1). Each row: from the '
              f'user action to the new overlay figure on the page (limit {a.limit} s). The page with the explorer appeared {loaded:.1f} s '
              f'after the request (Voilà runs the notebook: imports, two epochs of training). Whole run {total:.0f} s. '
              f'Screenshots: bench/results/explorer_*.png.\n\n| change | seconds |\n|---|---|\n{table}\n\n'
              f'{"All checks passed." if not failures else "Failures: " + "; ".join(failures)}\n')
    (out / 'explorer_browser.md').write_text(report)
    print(report)
    if failures: print(f'voila log: {folder / "voila.log"}')
    else: shutil.rmtree(folder, ignore_errors=True)
    sys.exit(1 if failures else 0)


def chromium_version(chromium) -> str:
    try: return subprocess.run([chromium, '--version'], capture_output=True, text=True, timeout=20).stdout.split()[1]
    except Exception: return ''


if __name__ == '__main__': main()
