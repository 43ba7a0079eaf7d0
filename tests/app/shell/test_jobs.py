"""app.shell.jobs: the keyword arguments that make a callback a background job."""

from app.shell import jobs


def deps(items):
    return [(d.component_id, d.component_property) for d in items]


def test_job_controls_wire_start_cancel_progress_and_failure():
    kw = jobs.job_controls(start="run-btn", cancel="stop-btn", progress="bar",
                           failure=("status", "children"))
    assert kw["background"] is True and kw["interval"] == jobs.JOB_POLL_MS
    assert deps(kw["progress"]) == [("bar", "value"), ("bar", "max")]
    assert deps(kw["cancel"]) == [("stop-btn", "n_clicks")]
    # while running: start disabled, cancel enabled; afterwards the other way round
    assert [(o.component_id, o.component_property, during, after)
            for o, during, after in kw["running"]] == [
        ("run-btn", "disabled", True, False), ("stop-btn", "disabled", False, True)]
    assert callable(kw["on_error"])
