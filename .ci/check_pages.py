#!/usr/bin/env python
"""Check the doc pages without Quarto (which cannot be installed here): every page renders, every page is in the
hand-made sidebar, and a notebook whose page promises a figure keeps one in its saved outputs.

nbdev renders the outputs saved in the notebooks (it does not execute them), so a module notebook committed
without outputs gives a page whose prose talks about figures that are not there. What this script does:

1. Sidebar: `nbs/sidebar.yml` is hand-made (`custom_sidebar = true` in pyproject.toml, so nbdev no longer adds new
   pages to it): every notebook in nbs/ and nbs/tutorials/ (and every .qmd page) must be listed, and every listed
   file must exist.
2. Render: every notebook is converted to HTML with nbconvert into a temporary folder, from its saved outputs
   (no execution). The home page (nbs/index.qmd) is rendered the same way with README.md put in place of its
   `{{< include ../README.md >}}`, as Quarto does; README.md must keep the `<!-- test-command -->` markers.
3. Figures. The rules, per notebook (the home page is README.md and is exempt):
   - a code cell whose output the page shows (not `#| hide`, `#| export`, `#| output: false`, `#| eval: false`)
     and that calls a plotting function (`plot_*(`, `show_*(` except `show_doc`, `plt.subplots|figure|imshow|
     plot|show|bar|barh|hist|scatter|...(`, `.plot(`, `.imshow(`, `display(fig`) must keep an image among its
     saved outputs (`image/png`, `image/jpeg` or `image/svg+xml`); so must a cell whose saved output is
     matplotlib's text stand-in `<Figure size ...>` (a figure that was shown but not saved as an image);
   - a notebook whose prose points at a figure on the page ("figure/plot/diagram/chart/grid/curves below|above",
     "below|above shows|plots|draws", "shown|plotted|drawn below|above", "the next|following figure|plot|...";
     any case; a mere mention such as "writes the figures as PNG" does not count) must keep at least one image;
   - a notebook that keeps images must show them in its rendered HTML (<img> or <svg>);
   - a notebook that breaks a rule FAILS unless it is in KNOWN_GAPS below (then it is reported, not failed).
4. Optional: with headless Chromium on the PATH (chromium, chromium-browser or google-chrome), a screenshot of the
   rendered home page (`--screenshot PATH` keeps it; it is quantised to a palette PNG to stay small). Without
   Chromium this step is skipped with a message.

Usage: python .ci/check_pages.py [--screenshot bench/results/home_page.png] [--keep DIR]
"""
import argparse, json, re, shutil, subprocess, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT / 'nbs'

# Notebooks allowed to break the figure rules for now: a notebook whose owner has not yet regenerated its outputs
# (issue 20: "module notebooks keep their outputs") goes here with a comment, so that CI stays green while it is
# reported on every run; remove it once it keeps its figures (the run says when). Empty: when this check was added
# (2026-12-03) every notebook passed, on main and in the working tree (main's old index.ipynb, which called
# plot_maps with no saved output, was replaced by index.qmd).
KNOWN_GAPS = {
}

_FIG = r"(?:figures?|plots?|diagrams?|charts?|heat ?maps?|grids?|curves?)"
PROSE = re.compile(rf"\b{_FIG}\s+(?:below|above)\b|\b(?:below|above)\s+(?:shows?|plots?|draws?)\b"
                   rf"|\b(?:shown|plotted|drawn|pictured)\s+(?:below|above)\b|\bthe\s+(?:next|following)\s+{_FIG}", re.IGNORECASE)
PLOT_CALL = re.compile(r"\b(?:plot_\w+|show_(?!doc\b)\w+)\s*\(|\.(?:plot|imshow)\s*\(|\bdisplay\(\s*fig"
                       r"|\bplt\.(?:subplots|figure|imshow|matshow|plot|show|bar|barh|hist|scatter|errorbar|fill_between|pcolormesh)\s*\(")
FIG_REPR = re.compile(r"^<Figure size [^>]*>$", re.MULTILINE)
IMAGE_MIMES = ('image/png', 'image/jpeg', 'image/svg+xml')
NO_OUTPUT_SHOWN = re.compile(r"^#\|\s*(hide\b|export\b|exporti\b|exports\b|output:\s*false|eval:\s*false)", re.MULTILINE)
TEST_MARKERS = ('<!-- test-command -->', '<!-- /test-command -->')


def src(cell): return ''.join(cell.get('source', ''))

def directives(cell):
    "The `#|` lines at the top of a code cell"
    lines = src(cell).splitlines()
    return '\n'.join(l for l in lines[:next((i for i, l in enumerate(lines) if not l.startswith('#|')), len(lines))])

def text_of(output):
    if output.get('output_type') == 'stream': return ''.join(output.get('text', ''))
    return ''.join(output.get('data', {}).get('text/plain', ''))

def has_image(output): return any(k in output.get('data', {}) for k in IMAGE_MIMES)

def audit(nb):
    "(problems: list of str, images kept: int)"
    prose, missing, images = [], [], 0
    for i, cell in enumerate(nb['cells']):
        s = src(cell)
        if cell['cell_type'] == 'markdown':
            m = PROSE.search(s)
            if m: prose.append(f'cell {i}: "{m.group(0)}"')
        elif cell['cell_type'] == 'code':
            outs = cell.get('outputs', [])
            kept = sum(map(has_image, outs)); images += kept
            if NO_OUTPUT_SHOWN.search(directives(cell)) or kept: continue
            body = '\n'.join(l for l in s.splitlines() if not l.lstrip().startswith('#'))
            m = PLOT_CALL.search(body)
            if m: missing.append(f'cell {i} calls {m.group(0).strip()} but saved no image')
            elif any(FIG_REPR.search(text_of(o)) for o in outs): missing.append(f'cell {i} shows a <Figure ...> but saved no image')
    problems = missing + ([f'prose promises a figure ({prose[0]}) but the notebook keeps no image'] if prose and not images else [])
    return problems, images

def pages():
    "Every page nbdev would render: notebooks and .qmd files in nbs/ and its folders, except _* and .* names"
    found = []
    for p in sorted(NBS.rglob('*')):
        rel = p.relative_to(NBS)
        if p.suffix in ('.ipynb', '.qmd') and not any(part.startswith(('_', '.')) for part in rel.parts):
            found.append(rel)
    return found

def sidebar_files():
    import yaml
    listed = []
    def walk(x):
        if isinstance(x, str): listed.append(x)
        elif isinstance(x, list):
            for y in x: walk(y)
        elif isinstance(x, dict):
            for k in ('contents', 'href', 'file'):
                if k in x: walk(x[k])
    walk(yaml.safe_load((NBS / 'sidebar.yml').read_text())['website']['sidebar']['contents'])
    return listed

def home_notebook():
    "nbs/index.qmd as a notebook, README.md in place of its include shortcode (what Quarto does)"
    import nbformat
    qmd = (NBS / 'index.qmd').read_text()
    body = re.sub(r'\A---\n.*?\n---\n', '', qmd, flags=re.S)
    inc = re.search(r'\{\{<\s*include\s+(\S+)\s*>\}\}', body)
    if not inc: raise SystemExit('nbs/index.qmd does not include README.md')
    target = (NBS / inc.group(1)).resolve()
    if target != ROOT / 'README.md': raise SystemExit(f'nbs/index.qmd includes {target}, not README.md')
    readme = target.read_text()
    missing = [m for m in TEST_MARKERS if m not in readme]
    if missing: raise SystemExit(f'README.md lost the markers .ci/run reads: {missing}')
    before, after = body[:inc.start()], body[inc.end():]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(t) for t in (before, readme, after) if t.strip()]
    nb.metadata['title'] = 'xai_lit'
    return nb

def render(nb, dest, exporter):
    html, _ = exporter.from_notebook_node(nb)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(html, encoding='utf-8')
    return html

def chromium():
    return next((shutil.which(n) for n in ('chromium', 'chromium-browser', 'google-chrome', 'chrome') if shutil.which(n)), None)

def screenshot(html_path, png_path):
    exe = chromium()
    if not exe:
        print('screenshot: skipped, no headless Chromium on the PATH (chromium / chromium-browser / google-chrome)')
        return
    png_path = Path(png_path); png_path.parent.mkdir(parents=True, exist_ok=True)
    raw = png_path.with_suffix('.raw.png')
    cmd = [exe, '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run',
           '--disable-dev-shm-usage', '--window-size=1200,1500', '--virtual-time-budget=5000',
           f'--screenshot={raw}', html_path.as_uri()]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    if r.returncode != 0 or not raw.exists():
        raise SystemExit(f'screenshot: Chromium failed ({r.returncode}): {r.stderr[-2000:]}')
    from PIL import Image
    im = Image.open(raw).convert('RGB')
    lo, hi = im.convert('L').getextrema()
    if hi - lo < 32: raise SystemExit(f'screenshot: the page rendered blank (grey levels {lo}..{hi})')
    im.quantize(colors=64).save(png_path, optimize=True)
    raw.unlink()
    print(f'screenshot: {png_path} ({im.size[0]}x{im.size[1]}, {png_path.stat().st_size // 1024} KB)')

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--screenshot', help='keep the home page screenshot at this path (default: in the temporary folder)')
    ap.add_argument('--keep', help='render into this folder and keep it (default: a temporary folder, removed)')
    args = ap.parse_args()
    import nbformat
    from nbconvert import HTMLExporter
    exporter = HTMLExporter()
    failures, gaps = [], []

    # 1. sidebar
    all_pages, listed = pages(), sidebar_files()
    unlisted = [str(p) for p in all_pages if str(p) not in listed]
    dangling = [f for f in listed if not (NBS / f).exists()]
    if unlisted: failures.append(f'nbs/sidebar.yml does not list: {", ".join(unlisted)} (custom_sidebar: add them by hand)')
    if dangling: failures.append(f'nbs/sidebar.yml lists missing files: {", ".join(dangling)}')
    print(f'sidebar: {len(listed)} entries, {len(all_pages)} pages' + ('' if unlisted or dangling else ', all listed'))

    out = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix='xai_lit_pages.'))
    try:
        # 2 + 3. render, audit
        print(f'\n{"page":<56} {"images":>6}  result')
        for rel in all_pages:
            if rel.suffix == '.qmd': continue
            nb = nbformat.read(NBS / rel, as_version=4)
            html = render(nb, out / rel.with_suffix('.html'), exporter)
            problems, images = audit(nb)
            if images and not re.search(r'<img\b|<svg\b', html): problems.append(f'{images} images saved, none in its HTML')
            if not problems: status = 'ok' + ('  (now passes: remove it from KNOWN_GAPS)' if str(rel) in KNOWN_GAPS else '')
            elif str(rel) in KNOWN_GAPS: status = 'KNOWN GAP: ' + '; '.join(problems); gaps.append(str(rel))
            else: status = 'FAIL: ' + '; '.join(problems); failures.append(f'{rel}: ' + '; '.join(problems))
            print(f'{str(rel):<56} {images:>6}  {status}')
        home = out / 'index.html'
        render(home_notebook(), home, exporter)
        print(f'{"index.qmd (README.md included)":<56} {"-":>6}  ok (rendered; test-command markers present)')

        # 4. screenshot
        print()
        screenshot(home, args.screenshot or out / 'home_page.png')
    finally:
        if not args.keep: shutil.rmtree(out, ignore_errors=True)

    if gaps: print(f'\nknown gaps (allowed, see KNOWN_GAPS): {", ".join(gaps)}')
    if failures:
        print('\nFAILED:\n- ' + '\n- '.join(failures))
        sys.exit(1)
    print('\npages ok')

if __name__ == '__main__': main()
