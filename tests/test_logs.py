"""A job's log holds a progress bar as separate lines at intervals, not one line of redraws."""

import io

from aelatent.io.logs import PROGRESS_INTERVAL, _Tee


def test_a_progress_bar_becomes_a_line_per_interval_and_its_final_state():
    out, now = io.StringIO(), [0.0]
    tee = _Tee(out, clock=lambda: now[0])
    tee.write("==== header ====\n")
    for step in range(1, 301):  # 300 redraws, 1 s apart, as tqdm writes them
        now[0] = float(step)
        tee.write(f"\repoch 1/3: {step}/300")
    tee.write("\repoch 1/3: 300/300 done\n")
    tee.write("a warning\n")
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert lines[0] == "==== header ====" and lines[-2:] == ["epoch 1/3: 300/300 done", "a warning"]
    progress = lines[1:-2]
    assert len(progress) == int(300 // PROGRESS_INTERVAL)  # one per interval, not one per redraw
    steps = [int(p.split(": ")[1].split("/")[0]) for p in progress]
    assert all(b - a >= PROGRESS_INTERVAL for a, b in zip(steps, steps[1:], strict=False))


def test_text_without_carriage_returns_passes_through_line_by_line():
    a, b = io.StringIO(), io.StringIO()
    tee = _Tee(a, b)
    tee.write("one\ntw")
    tee.write("o\nthree\n")
    assert a.getvalue() == b.getvalue() == "one\ntwo\nthree\n"
