"""A tiny document model (headings, paragraphs, tables, lists, images) with two renderers.

The report is built once as blocks and rendered to Markdown and to self-contained HTML, so
both always carry the same numbers. Every string in a block is plain text: each renderer
escapes it for its own format.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Heading:
    """A section heading; ``anchor`` becomes the HTML id."""

    level: int
    text: str
    anchor: str | None = None


@dataclass(frozen=True, slots=True)
class Para:
    """A paragraph; ``tone`` (``good``/``bad``/``note``) styles it (bold in Markdown)."""

    text: str
    tone: str | None = None


@dataclass(frozen=True, slots=True)
class Table:
    """A table of plain-text cells."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Bullets:
    """A bullet list; ``checkbox`` renders ``- [ ]`` task items."""

    items: tuple[str, ...]
    checkbox: bool = False


@dataclass(frozen=True, slots=True)
class Code:
    """A preformatted block (a command, a scenario file)."""

    text: str


@dataclass(frozen=True, slots=True)
class Image:
    """A PNG: a file beside report.md, embedded as a data URI in report.html."""

    file_name: str
    png: bytes
    alt: str


Block = Heading | Para | Table | Bullets | Code | Image

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*<>|[]"})


def md_text(text: str) -> str:
    """``text`` safe inside Markdown: one line, with Markdown's active characters escaped."""
    return " ".join(str(text).split()).translate(_MD_SPECIAL)


def render_markdown(blocks: Sequence[Block]) -> str:
    """The blocks as GitHub-flavoured Markdown."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append(f"{'#' * block.level} {md_text(block.text)}")
        elif isinstance(block, Para):
            text = md_text(block.text)
            out.append(f"**{text}**" if block.tone in ("good", "bad") else text)
        elif isinstance(block, Table):
            rows = [block.header, tuple("---" for _ in block.header), *block.rows]
            out.append(
                "\n".join(
                    "| " + " | ".join(c if r == 1 else md_text(c) for c in row) + " |"
                    for r, row in enumerate(rows)
                )
            )
        elif isinstance(block, Bullets):
            mark = "- [ ] " if block.checkbox else "- "
            out.append("\n".join(mark + md_text(item) for item in block.items))
        elif isinstance(block, Code):
            fence = "````" if "```" in block.text else "```"
            out.append(f"{fence}\n{block.text.rstrip()}\n{fence}")
        else:
            out.append(f"![{md_text(block.alt)}]({block.file_name})")
    return "\n\n".join(out) + "\n"


def _esc(text: str) -> str:
    return html.escape(str(text), quote=True)


def render_html_body(blocks: Sequence[Block]) -> str:
    """The blocks as HTML body content; images inline as base64 ``data:`` URIs."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            level = min(max(block.level, 1), 6)
            anchor = f' id="{_esc(block.anchor)}"' if block.anchor else ""
            out.append(f"<h{level}{anchor}>{_esc(block.text)}</h{level}>")
        elif isinstance(block, Para):
            tone = f' class="{_esc(block.tone)}"' if block.tone else ""
            out.append(f"<p{tone}>{_esc(block.text)}</p>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{_esc(c)}</th>" for c in block.header)
            body = "".join(
                "<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in row) + "</tr>" for row in block.rows
            )
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif isinstance(block, Bullets):
            box = '<input type="checkbox" disabled> ' if block.checkbox else ""
            items = "".join(f"<li>{box}{_esc(item)}</li>" for item in block.items)
            out.append(f"<ul>{items}</ul>")
        elif isinstance(block, Code):
            out.append(f"<pre>{_esc(block.text.rstrip())}</pre>")
        else:
            data = base64.b64encode(block.png).decode("ascii")
            out.append(
                f'<figure><img alt="{_esc(block.alt)}" src="data:image/png;base64,{data}"></figure>'
            )
    return "\n".join(out)
