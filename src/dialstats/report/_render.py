"""Execute a report notebook with parameters and write it as ``.ipynb`` and self-contained HTML."""

from __future__ import annotations

import contextlib
import copy
import os
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from dialstats.errors import ReportExecutionError

# The backend a Jupyter kernel draws with: plt.show() embeds the figure in the cell's output.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

# The bundled weekly report; `notebooks/05-team-report.ipynb` is the same notebook, executed.
DEFAULT_NOTEBOOK = Path(__file__).with_name("weekly.ipynb")

# nbconvert's "lab" page, minus the CDN <script> tags (require.js, MathJax, mermaid): a report must
# open complete from a mail attachment or an offline laptop, so it loads nothing from the network.
# Its content policy runs no script at all and loads nothing but inline images and styles: should a
# name from the data ever reach the page unescaped, the browser still does not run it.
_TEMPLATE = """\
{%- extends 'lab/index.html.j2' -%}
{%- block html_head -%}
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:">
{{ super() }}
{%- endblock html_head -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block extra_css %}
<style type="text/css">
main { max-width: 1180px; margin: 0 auto; padding: 0 24px 48px; }
.jp-RenderedHTMLCommon table { font-size: 13px; }
/* Tables lead with a name (rep, list, metric): read it left-aligned like a label. */
.jp-RenderedHTMLCommon table td:first-child,
.jp-RenderedHTMLCommon table th:first-child { text-align: left; }
/* Phone to desktop: charts shrink to the column, wide tables scroll inside their own box. */
.jp-OutputArea-output { overflow-x: auto; max-width: 100%; }
.jp-OutputArea-output img { max-width: 100%; height: auto; }
.jp-RenderedHTMLCommon pre, .jp-RenderedHTMLCommon code { white-space: pre-wrap; }
.jp-RenderedHTMLCommon p, .jp-RenderedHTMLCommon li { overflow-wrap: anywhere; }
.jp-RenderedHTMLCommon td { white-space: nowrap; }  /* a number never breaks across lines */
/* Charts come as <picture>: a variant drawn for phones below 600 px (report/_page.py). */
.jp-OutputArea-output picture img { display: block; }
@media (max-width: 600px) {
  main { padding: 0 10px 32px; }
  .jp-RenderedHTMLCommon table { font-size: 12px; }
  .jp-RenderedHTMLCommon h1 { font-size: 1.6em; }
  /* A chart fills the width; a long name wraps, so the column sorted by (next to it) shows. */
  .jp-OutputArea-output picture img { width: 100%; }
  /* A phone has no room for the notebook's gutters: the margins of <main> are enough. */
  .jp-Notebook, .jp-Cell, .jp-OutputArea-output, .jp-RenderedHTMLCommon {
    padding-left: 0 !important; padding-right: 0 !important;
  }
  .jp-Collapser { display: none !important; }
  body { margin: 0 !important; }
  .jp-RenderedHTMLCommon td:first-child { white-space: normal; min-width: 6em; }
}
</style>
{% endblock extra_css %}
"""


@dataclass(frozen=True)
class Report:
    """Where a rendered report was written."""

    html: Path
    notebook: Path


def render_report(
    output: str | os.PathLike[str],
    *,
    notebook: str | os.PathLike[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    show_code: bool = False,
    title: str | None = None,
    progress: bool = True,
) -> Report:
    """Execute ``notebook`` with ``parameters`` and write ``output`` (HTML) plus the ``.ipynb``.

    Both files appear together at the end, or not at all: they are written to temporary files in
    the output directory and moved into place only after the notebook ran without error.

    >>> render_report("out/week.html", parameters={"demo": True})  # doctest: +SKIP
    Report(html=PosixPath('out/week.html'), notebook=PosixPath('out/week.ipynb'))
    """
    import papermill
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient.exceptions import DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    source = Path(notebook) if notebook is not None else DEFAULT_NOTEBOOK
    html_path = Path(output)
    ipynb_path = html_path.with_suffix(".ipynb")
    try:
        # Nothing is written while cells run (output None): the result is saved once complete.
        # The kernel runs in the notebook's folder, so relative paths mean what they do in Jupyter.
        with _inline_charts():
            executed = papermill.execute_notebook(
                str(source),
                None,
                parameters=dict(parameters or {}),
                progress_bar=progress,
                cwd=str(source.resolve().parent),
                **_default_kernel(source),
            )
    except PapermillExecutionError as exc:
        cell = _position_in(source, exc.cell_index, exc.source)
        raise ReportExecutionError(exc.ename, exc.evalue, cell=cell, code=exc.source) from None
    except (DeadKernelError, NoSuchKernel) as exc:
        raise ReportExecutionError(type(exc).__name__, str(exc)) from None
    page = to_html(executed, show_code=show_code, title=title or _title(executed, source))
    html_path.parent.mkdir(parents=True, exist_ok=True)
    with _staged(ipynb_path) as tmp_ipynb, _staged(html_path) as tmp_html:
        nbformat.write(executed, tmp_ipynb)
        tmp_html.write_text(page, encoding="utf-8")
    return Report(html=html_path, notebook=ipynb_path)


def to_html(nb: nbformat.NotebookNode, *, show_code: bool = False, title: str = "Report") -> str:
    """A self-contained HTML page of an executed notebook: images inline, no network needed, and
    no script runs in it (its content policy forbids scripts, so JavaScript outputs stay inert).

    >>> page = to_html(nbformat.read("week.ipynb", as_version=4), title="Week 42")  # doctest: +SKIP
    """
    import jinja2
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"dialstats-report.html.j2": _TEMPLATE})],
        template_file="dialstats-report.html.j2",
        exclude_input=not show_code,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,  # markdown images too; plot outputs are inline base64 already
    )
    nb = copy.deepcopy(nb)
    nb.metadata["title"] = title  # the template prefers it to the resources' name
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


def _default_kernel(source: Path) -> dict[str, str]:
    """A notebook saved without kernel metadata (written by a script, say) runs on the default
    Python kernel instead of failing inside papermill."""
    metadata = nbformat.read(source, as_version=4).metadata
    name = metadata.get("kernelspec", {}).get("name")
    language = metadata.get("kernelspec", {}).get("language")
    language = language or metadata.get("language_info", {}).get("name")
    default: dict[str, str] = {} if name else {"kernel_name": "python3"}
    if not language and (not name or name.startswith("python")):
        default["language"] = "python"
    return default


def _title(nb: nbformat.NotebookNode, source: Path) -> str:
    return nb.metadata.get("title") or source.stem


def _position_in(source: Path, executed_index: int, code: str) -> int:
    """1-based position of a failed cell in the ``source`` notebook.

    Papermill reports the index in the executed copy, which has the injected parameters cell
    (and had any stale injected cell removed); the user needs the position in their own file.
    """
    cells = nbformat.read(source, as_version=4).cells
    same = [i for i, cell in enumerate(cells) if cell.cell_type == "code" and cell.source == code]
    return min(same, key=lambda i: abs(i - executed_index), default=executed_index) + 1


@contextlib.contextmanager
def _inline_charts() -> Iterator[None]:
    """Kernels started inside draw inline, whatever ``MPLBACKEND`` the caller exported.

    Headless machines and cron jobs often export ``MPLBACKEND=Agg``; the kernel inherits it, and
    under Agg ``plt.show()`` draws nothing, so charts vanished from the page without an error.
    """
    saved = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = INLINE_BACKEND
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = saved


@contextlib.contextmanager
def _staged(target: Path) -> Iterator[Path]:
    """A temporary file beside ``target`` that replaces it on success and vanishes on failure."""
    # Named, not mkstemp'd: the writer creates it, so the report gets the user's usual permissions.
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, target)
