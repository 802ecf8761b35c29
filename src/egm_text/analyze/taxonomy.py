"""Theme taxonomies: the bundled default for UN cybercrime documents, or a user's YAML file.

A malformed file raises :class:`egm_text.errors.ProfileError` naming the file, the line and the reason.

>>> tax = load_taxonomy()
>>> tax.version, len(tax.themes) >= 15
('1.0', True)
>>> tax.theme("institutions_networks").name_en
'Law-enforcement institutions and networks'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from egm_text.analyze.normalize import tokenize
from egm_text.errors import ProfileError

DEFAULT_TAXONOMY = "taxonomy_cybercrime.yaml"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_REQUIRED_THEME_KEYS = ("id", "name_ar", "name_en", "description", "terms")


@dataclass(frozen=True)
class Term:
    text: str  # as written in the file
    tokens: tuple[str, ...]  # normalised tokens
    weight: float = 1.0

    @property
    def normalized(self) -> str:
        return " ".join(self.tokens)


@dataclass(frozen=True)
class Theme:
    id: str
    name_ar: str
    name_en: str
    description: str
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Taxonomy:
    version: str
    themes: tuple[Theme, ...]
    min_score: float = 1.0
    ignore: tuple[Term, ...] = ()
    name: str = ""
    source: str = ""
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def theme(self, theme_id: str) -> Theme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(theme_id)


def _line(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def _mapping(node: yaml.Node) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    return {k.value: (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _scalar(node: yaml.Node, what: str, path: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise ProfileError(f"{what} must be a non-empty text value", path=path, line=_line(node))
    return str(node.value).strip()


def _number(node: yaml.Node, what: str, path: str) -> float:
    try:
        value = float(_scalar(node, what, path))
    except ValueError:
        value = float("nan")
    if not value > 0:
        raise ProfileError(f"{what} must be a positive number, got {node.value!r}", path=path, line=_line(node))
    return value


def _term(node: yaml.Node, where: str, path: str) -> Term:
    weight = 1.0
    if isinstance(node, yaml.MappingNode):
        m = _mapping(node)
        if "term" not in m:
            raise ProfileError(f"{where}: a term given as a mapping needs a 'term' key", path=path, line=_line(node))
        unknown = set(m) - {"term", "weight"}
        if unknown:
            k = m[sorted(unknown)[0]][0]
            raise ProfileError(f"{where}: unknown key {k.value!r} in a term (use 'term' and 'weight')",
                               path=path, line=_line(k))
        text = _scalar(m["term"][1], f"{where}: term", path)
        if "weight" in m:
            weight = _number(m["weight"][1], f"{where}: weight", path)
    else:
        text = _scalar(node, f"{where}: term", path)
    toks = tuple(tokenize(text))
    if not toks:
        raise ProfileError(f"{where}: term {text!r} has no words after normalisation", path=path, line=_line(node))
    return Term(text, toks, weight)


def _terms(node: yaml.Node, where: str, path: str) -> tuple[Term, ...]:
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise ProfileError(f"{where} must be a non-empty list of terms", path=path, line=_line(node))
    return tuple(_term(n, where, path) for n in node.value)


def parse_taxonomy(text: str, path: str = "<taxonomy>") -> Taxonomy:
    """Validate and build a taxonomy from YAML text; `path` is used in error messages."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        why = " ".join(str(e.problem or e.context).split())
        raise ProfileError(f"not valid YAML: {why}", path=path, line=line) from None
    except yaml.YAMLError as e:
        raise ProfileError(f"not valid YAML: {' '.join(str(e).split())}", path=path) from None
    if root is None:
        raise ProfileError("taxonomy file is empty", path=path, line=1)
    if not isinstance(root, yaml.MappingNode):
        raise ProfileError("the top level must be a mapping with 'version' and 'themes'", path=path, line=_line(root))
    top = _mapping(root)
    if "version" not in top:
        raise ProfileError("missing 'version:' key", path=path, line=_line(root))
    version = _scalar(top["version"][1], "version", path)
    if "themes" not in top:
        raise ProfileError("missing 'themes:' key", path=path, line=_line(root))
    themes_node = top["themes"][1]
    if not isinstance(themes_node, yaml.SequenceNode) or not themes_node.value:
        raise ProfileError("'themes' must be a non-empty list", path=path, line=_line(themes_node))
    min_score = _number(top["min_score"][1], "min_score", path) if "min_score" in top else 1.0
    ignore: tuple[Term, ...] = ()
    if "ignore" in top and not (isinstance(top["ignore"][1], yaml.ScalarNode) and top["ignore"][1].value in ("", None)):
        ignore = _terms(top["ignore"][1], "ignore", path)
    name = _scalar(top["name"][1], "name", path) if "name" in top else ""

    themes: list[Theme] = []
    seen: dict[str, int] = {}
    for i, tnode in enumerate(themes_node.value, 1):
        if not isinstance(tnode, yaml.MappingNode):
            raise ProfileError(f"theme #{i} must be a mapping with {', '.join(_REQUIRED_THEME_KEYS)}",
                               path=path, line=_line(tnode))
        m = _mapping(tnode)
        for key in _REQUIRED_THEME_KEYS:
            if key not in m:
                label = f"theme {m['id'][1].value!r}" if "id" in m else f"theme #{i}"
                raise ProfileError(f"{label} is missing '{key}:'", path=path, line=_line(tnode))
        tid = _scalar(m["id"][1], f"theme #{i}: id", path)
        if not _ID.match(tid):
            raise ProfileError(f"theme id {tid!r} must be lower-case letters, digits and '_'",
                               path=path, line=_line(m["id"][1]))
        if tid in seen:
            raise ProfileError(f"duplicate theme id {tid!r} (first on line {seen[tid]})", path=path,
                               line=_line(m["id"][1]))
        seen[tid] = _line(m["id"][1]) or 0
        themes.append(
            Theme(
                id=tid,
                name_ar=_scalar(m["name_ar"][1], f"theme {tid!r}: name_ar", path),
                name_en=_scalar(m["name_en"][1], f"theme {tid!r}: name_en", path),
                description=_scalar(m["description"][1], f"theme {tid!r}: description", path),
                terms=_terms(m["terms"][1], f"theme {tid!r}: terms", path),
            )
        )
    return Taxonomy(version=version, themes=tuple(themes), min_score=min_score, ignore=ignore, name=name, source=path)


_CACHE: dict[str, Taxonomy] = {}


def load_taxonomy(path: str | Path | Taxonomy | None = None) -> Taxonomy:
    """The bundled default taxonomy (``path=None``) or the one in a user's YAML file."""
    if isinstance(path, Taxonomy):
        return path
    if path is None:
        if DEFAULT_TAXONOMY not in _CACHE:
            text = resources.files("egm_text.resources").joinpath(DEFAULT_TAXONOMY).read_text(encoding="utf-8")
            _CACHE[DEFAULT_TAXONOMY] = parse_taxonomy(text, f"egm_text/resources/{DEFAULT_TAXONOMY}")
        return _CACHE[DEFAULT_TAXONOMY]
    p = Path(path)
    if not p.is_file():
        raise ProfileError("no such taxonomy file", path=str(p))
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ProfileError(f"taxonomy file is not UTF-8 text ({e.reason})", path=str(p)) from None
    return parse_taxonomy(text, str(p))
