import os
import runpy
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import floor_prelude  # noqa: E402

os.chdir('/work/main/notebooks')
for script in ['floor_01_data_quality.py', 'floor_02_theme_scores.py', 'floor_03_comparison.py', 'floor_04_explore.py', 'floor_05_report.py']:
    runpy.run_path(os.path.join(here, script), run_name="__main__")
    floor_prelude.flush()
