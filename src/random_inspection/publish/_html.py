"""HTML for the public site: every value escaped, a few elements, and the page around them.

Names in the registers are hostile input (a firm may be registered as ``<script>``): every
value that is not markup built here goes through `esc`, so text shows as text. Markup is a
`Html` string; plain ``str`` is always escaped when it meets markup.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from fractions import Fraction
from urllib.parse import quote

from .._version import __version__

__all__ = ["Html", "bi", "dl", "esc", "href", "join", "page", "percent", "table", "tag"]


class Html(str):
    """Markup made by this module: safe to insert as it is."""

    __slots__ = ()


def esc(value: object) -> Html:
    """``value`` as HTML text (``&``, ``<``, ``>``, ``"`` and ``'`` escaped), markup as is."""
    if isinstance(value, Html):
        return value
    return Html(html.escape(str(value), quote=True))


def join(parts: Iterable[object], separator: str = "") -> Html:
    """Parts escaped (unless markup) and joined."""
    return Html(esc(separator).join(esc(p) for p in parts))


def tag(name: str, *children: object, **attributes: object) -> Html:
    """An element; ``class_`` sets ``class``, ``data_x`` sets ``data-x``; ``True`` gives a bare
    attribute, ``None`` or ``False`` leaves it out."""
    parts = [name]
    for key, value in attributes.items():
        if value is None or value is False:
            continue
        attribute = key.rstrip("_").replace("_", "-")
        parts.append(attribute if value is True else f'{attribute}="{esc(value)}"')
    return Html(f"<{' '.join(parts)}>{join(children)}</{name}>")


def bi(zh: object, en: object) -> Html:
    """A Chinese label followed by its English one (marked ``lang="en"``)."""
    return Html(f'{esc(zh)} <span lang="en">{esc(en)}</span>')


def href(*segments: str) -> str:
    """A relative URL of path segments, each percent-encoded."""
    return "/".join(quote(s, safe="") if s != ".." else s for s in segments)


def dl(pairs: Iterable[tuple[object, object]]) -> Html:
    """A definition list of facts (label, value)."""
    return tag("dl", *(Html(tag("dt", k) + tag("dd", v)) for k, v in pairs), class_="facts")


def table(caption: object, head: Sequence[object], rows: Iterable[Sequence[object]], *,
          numeric: Iterable[int] = (), row_headers: bool = True, id: str | None = None) -> Html:
    """A table in a scrolling, focusable region (phones scroll it sideways); the first cell
    of each row is its header unless ``row_headers`` is false; ``numeric`` columns align
    right."""
    right = set(numeric)
    heads = [tag("th", h, scope="col", class_="num" if k in right else None)
             for k, h in enumerate(head)]
    body = []
    for row in rows:
        cells = [tag("th" if k == 0 and row_headers else "td", cell,
                     scope="row" if k == 0 and row_headers else None,
                     class_="num" if k in right else None) for k, cell in enumerate(row)]
        body.append(tag("tr", *cells))
    inner = tag("table", tag("caption", caption), tag("thead", tag("tr", *heads)),
                tag("tbody", *body))
    label = html.unescape(_text_of(esc(caption)))
    return tag("div", inner, class_="table-wrap", tabindex="0", role="region",
               aria_label=label, id=id)


def _text_of(markup: str) -> str:
    """The text of a small piece of markup (for an accessible name)."""
    out, inside = [], False
    for char in markup:
        if char == "<":
            inside = True
        elif char == ">":
            inside = False
        elif not inside:
            out.append(char)
    return "".join(out)


def percent(rational: str | Fraction) -> str:
    """A rate as a percentage: exact when it has a short decimal form (``"3/1000"`` →
    ``0.3%``), else rounded with the exact fraction (``≈0.30% (4/1327)``)."""
    value = Fraction(rational) * 100
    for places in range(5):
        scaled = value * 10**places
        if scaled.denominator == 1:
            whole = str(scaled.numerator).rjust(places + 1, "0")
            text = whole if not places else f"{whole[:-places]}.{whole[-places:]}"
            return f"{text}%"
    return f"≈{float(value):.2f}% ({Fraction(rational)})"


SCRIPTS = ("draw-spec.js", "verify.js")


def page(*, title: tuple[str, str], site_name: str, body: Html, depth: int,
         nav: list[tuple[str, Html]], scripts: bool = False) -> str:
    """A whole page: Chinese first (``lang="zh-Hans"``), the site's stylesheet, a skip link,
    the navigation, the body and a footer; ``depth`` is how many folders below the site's
    root the page is (links go up that many)."""
    up = "../" * depth
    links = tag("ul", *(tag("li", tag("a", label, href=up + target)) for target, label in nav))
    header = tag("header", tag("p", tag("a", site_name, href=up + "index.html"),
                               class_="site-name"),
                 tag("nav", links, aria_label="站点导航 Site navigation"), class_="site")
    footer = tag("footer", tag("p", Html(
        "本站为静态网页，不向任何外部地址发出请求；核验脚本在您的浏览器中运行。"
        '<span lang="en">A static site: it makes no request to any other address, and '
        "its verification runs in your browser.</span>")),
        tag("p", Html(f'random-inspection {esc(__version__)} · 抽取规范 '
                      f'<span lang="en">draw spec</span> 1.1')), class_="site")
    script = "".join(f'<script src="{up}static/{name}"></script>' for name in SCRIPTS) \
        if scripts else ""
    full_title = f"{title[0]} {title[1]} · {site_name}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-Hans">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(full_title)}</title>\n"
        f'<link rel="stylesheet" href="{up}static/site.css">\n</head>\n<body>\n'
        '<a class="skip" href="#main">跳到正文 <span lang="en">Skip to the content</span></a>\n'
        f'{header}\n<main id="main">\n{body}\n</main>\n{footer}\n{script}\n</body>\n</html>\n'
    )
