"Packaging: metadata comes from settings.ini; pyproject.toml declares these fields dynamic."
import re, shlex
from configparser import ConfigParser
from pathlib import Path
import setuptools

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']
lib = cfg['lib_path']

# nbdev reads the version from the package, setup.py from settings.ini: refuse to build if they disagree.
init_version = re.search(r'__version__\s*=\s*["\']([^"\']+)', Path(lib, '__init__.py').read_text()).group(1)
if init_version != cfg['version']:
    raise SystemExit(f"settings.ini version {cfg['version']} != {lib}/__init__.py version {init_version}: make them equal")

# Extras, one a line in settings.ini's `extras_requirements` ("NAME: req req ..."); [all] is every extra, [dev] adds them too.
extras = {name.strip(): shlex.split(reqs) for name, reqs in
          (line.split(':', 1) for line in cfg.get('extras_requirements', '').splitlines() if line.strip())}
extras['all'] = sorted({r for reqs in extras.values() for r in reqs})
extras['dev'] = shlex.split(cfg.get('dev_requirements', '')) + extras['all']

readme = Path('README.md')
setuptools.setup(
    name=cfg['lib_name'], version=cfg['version'],
    author=cfg['author'], author_email=cfg['author_email'], keywords=cfg['keywords'].split(),
    license=cfg['license'],
    classifiers=['Development Status :: 3 - Alpha', 'Intended Audience :: Science/Research',
                 'Topic :: Scientific/Engineering :: Artificial Intelligence'],
    packages=setuptools.find_packages(include=[lib, f'{lib}.*']), include_package_data=True, zip_safe=False,
    install_requires=shlex.split(cfg.get('requirements', '')),
    extras_require=extras,
    python_requires='>=' + cfg['min_python'],
    long_description=readme.read_text(encoding='utf-8') if readme.exists() else '',
    long_description_content_type='text/markdown',
    entry_points={'console_scripts': cfg.get('console_scripts', '').split(),
                  'nbdev': [f'{lib}={lib}._modidx:d']},
)
