"""Extra dashboard views, one module each, discovered by ``create_app``.

Contract for a module ``app/views/<name>.py``:

* at import time, call :func:`app.core.layout.register_tab` with its label,
  ``dcc.Tabs`` value and a layout factory (a function returning components);
* define ``register_callbacks(app)`` attaching its callbacks to the Dash app.

Read the dashboard state with ``Input(app.core.ids.STATE, "data")`` and
:func:`app.core.state.from_query`.  Modules are imported in name order; tabs are
ordered by the ``order`` given to ``register_tab``.
"""
