"""report.html: the report's blocks in one self-contained page (inline CSS, images as data
URIs, no script, no external URL), readable offline and safe to attach to a ticket."""

from __future__ import annotations

import html
from collections.abc import Sequence

from simulator.report.document import Block, Heading, render_html_body

_CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #1f2328; background: #ffffff; margin: 0; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 60px; }
h1 { font-size: 26px; margin: 0 0 12px; }
h2 { font-size: 20px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 16px; margin: 22px 0 8px; }
p.good, p.bad { font-size: 20px; font-weight: 700; padding: 12px 16px; border-radius: 6px; }
p.good { background: #dafbe1; color: #116329; border: 1px solid #4ac26b; }
p.bad { background: #ffebe9; color: #a40e26; border: 1px solid #ff8182; }
p.note { background: #fff8c5; padding: 8px 12px; border-radius: 6px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }
th, td { border: 1px solid #d0d7de; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
tbody tr:nth-child(even) { background: #fafbfc; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 10px 12px;
      overflow-x: auto; font: 13px/1.4 ui-monospace, "SFMono-Regular", Menlo, monospace; }
figure { margin: 16px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #d0d7de; }
nav { font-size: 14px; margin: 0 0 16px; color: #57606a; }
nav a { color: #0969da; margin-right: 12px; text-decoration: none; }
ul { padding-left: 22px; }
"""


def render_html_page(blocks: Sequence[Block], title: str) -> str:
    """A complete HTML document with a section index, the blocks and inline CSS."""
    links = [
        f'<a href="#{html.escape(b.anchor, quote=True)}">{html.escape(b.text)}</a>'
        for b in blocks
        if isinstance(b, Heading) and b.level == 2 and b.anchor
    ]
    nav = f"\n<nav>{' '.join(links)}</nav>\n" if links else "\n"
    # The verdict and the timeline come first; the section index sits just below them.
    split = next(
        (i for i, b in enumerate(blocks) if isinstance(b, Heading) and b.level == 2), len(blocks)
    )
    body = render_html_body(blocks[:split]) + nav + render_html_body(blocks[split:])
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )
