"""app.shell.jobs: the keyword arguments that make a callback a background job."""

from app.shell import jobs


def deps(items):
    return [(d.component_id, d.component_property) for d in items]


def test_job_controls_wire_start_cancel_progress_and_failure():
    kw = jobs.job_controls(start="run-btn", cancel="stop-btn", progress="bar",
                           failure=("status", "children"))
    assert kw["background"] is True and kw["interval"] == jobs.JOB_POLL_MS
    assert deps(kw["progress"]) == [("bar", "value"), ("bar", "max"),
                                    ("bar-label", "children")]
    assert deps(kw["cancel"]) == [("stop-btn", "n_clicks")]
    # while running: start disabled, cancel enabled; afterwards the other way round
    assert [(o.component_id, o.component_property, during, after)
            for o, during, after in kw["running"]] == [
        ("run-btn", "disabled", True, False), ("stop-btn", "disabled", False, True)]
    assert callable(kw["on_error"])


def test_progress_text_is_what_and_the_whole_percent_rounded_down():
    cases = [((1, 3), "33 %"), ((2, 3), "66 %"), ((0, 40), "0 %"), ((40, 40), "100 %"),
             ((999, 1000), "99 %"), ((7, 0), "0 %"), ((5, 4), "100 %"), ((-1, 4), "0 %"),
             ((float("nan"), 4), "0 %"), ((29, 100), "29 %"), ((57, 100), "57 %")]
    for (done, total), pct in cases:
        assert jobs.progress_text("fine map", done, total) == f"fine map: {pct}", (done, total)


def test_progress_reporter_sends_value_max_and_label():
    seen = []
    report = jobs.progress_reporter(seen.append, "η_max of 8×8 starts")
    report(3, 12)
    assert seen == [("3", "12", "η_max of 8×8 starts: 25 %")]
    jobs.progress_reporter(None, "nothing")(1, 2)               # no bar: nothing to do


def test_progress_bar_holds_the_bar_and_its_label():
    bar = jobs.progress_bar("job-bar", max_value="1000")
    progress, label = bar.children
    assert (progress.id, progress.max, progress.value) == ("job-bar", "1000", "0")
    assert label.id == "job-bar-label" == jobs.progress_label_id("job-bar")


def test_a_job_marked_with_time_limit_gets_it_on_celery_and_others_keep_the_default():
    from celery import Celery

    from app.shell.celery_manager import LabCeleryManager

    app = Celery("limits", broker="memory://", backend="cache+memory://")
    app.conf.task_time_limit = 600
    manager = LabCeleryManager(app)

    @jobs.time_limit(31200)
    def waits_for_cells(set_progress, n):
        return n

    def plain(set_progress, n):
        return n

    assert waits_for_cells.job_time_limit == 31200
    assert manager.make_job_fn(waits_for_cells, True, "marked").time_limit == 31200
    assert manager.make_job_fn(plain, True, "plain").time_limit == 600  # the app's default
    assert jobs.time_limit(None)(plain) is plain and plain.job_time_limit is None
