"""The "Import" view: draw a trace measured elsewhere beside the UV model.

Upload a CSV (header ``step,df,lam``, optional ``lam_h``), a JSON object
``{"step": [...], "df": [...], "lam": [...]}`` or a JSON-lines file (the
format ``uvcore.probe`` writes, with a header naming the model, η and the
matched UV model) of a run measured elsewhere, e.g. a real network
(``python -m uvcore network``), or follow a file of the server's traces
directory (``TRACES_DIR``) while it grows.  It is validated strictly
(:mod:`.parse`, :mod:`.reader`: size, rows, finite numbers; a one-line
message on any problem), kept in the store :data:`app.core.ids.IMPORTED` in a
reduced form, and drawn on the phase plane and the time series as
"imported: <file name>" until cleared.  The view says when the trace lies
outside the plane's window, fits the window to it on request and shows the
matched UV model (:mod:`.plane`, through intents).

Data flow: ``dcc.Upload`` → a clientside check of the size
(``app/assets/import_trace.js``) (a file whose
request would exceed the server's ``MAX_CONTENT_LENGTH`` is refused in the
browser with a message, instead of a silent 413) → store
:data:`app.core.ids.IMPORT_PENDING` → the server parses it → :data:`app.core.ids.IMPORTED`.
Following: Follow → the server reads the file (:mod:`.follow`) → the
clientside gate polls while the page is visible and the file changes → the
server reads what was appended.
"""

from ...core import ids
from ...core.registry import View
from . import callbacks, layout

VIEW = View("Import", ids.IMPORT_TAB, layout.make_layout, callbacks.register_callbacks,
            order=40)
