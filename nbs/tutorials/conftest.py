"""Tutorials keep their outputs (the figures are part of the story), but nbdev-clean blanks execution counts and
nbval refuses a cell that has outputs and no count ("Unrun reference cell has outputs"). Under --nbval-lax outputs
are only compared in cells marked NBVAL_CHECK_OUTPUT, so in memory we give such cells a count and let them run."""

def pytest_collection_modifyitems(items):
    for item in items:
        cell = getattr(item, 'cell', None)
        if cell is not None and cell.get('outputs') and cell.get('execution_count') is None:
            cell['execution_count'] = 0
