"""Font-level repair: check each embedded font's ToUnicode against what the font program itself says.

A PDF's text layer is only as good as its ToUnicode CMaps. The font program carries independent
evidence of which letter each glyph draws:

* the font's own `cmap` (nominal glyphs),
* glyph names (`uni0628.init`, `lam_alef`, AGL names) when the `post` table keeps them,
* its GSUB forms (contextual forms, ligatures), read by shaping census strings with HarfBuzz,
* and, for subsets that keep none of these (fpdf2's, many Office exports), the glyph outlines, matched
  against a full reference font of the same family (Amiri from `fontpkg-amiri` is registered by
  default; pass more with `reference_fonts={"Family": path}`).

Where the ToUnicode disagrees with that evidence the glyph-to-text map is rebuilt and the text is
extracted again. Glyphs nobody can identify keep their ToUnicode and are left to text-level repair.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pikepdf

from egm_text.arabic import fold_forms

AR_LETTERS = "ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىي"
_CENSUS_EXTRA = "ـ،؛؟٠١٢٣٤٥٦٧٨٩0123456789()-/.:"


# --- ToUnicode CMaps -----------------------------------------------------------------------------


def _hex_text(h: str) -> str:
    h = h.strip()
    if not h:
        return ""
    data = bytes.fromhex(h if len(h) % 2 == 0 else "0" + h)
    try:
        return data.decode("utf-16-be")
    except UnicodeDecodeError:
        return ""


def parse_tounicode(data: bytes) -> dict[int, str]:
    """bfchar / bfrange entries of a ToUnicode CMap (2-byte codes), as code -> text."""
    text = data.decode("latin-1")
    out: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            out[int(src, 16)] = _hex_text(dst)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for m in re.finditer(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]*>)", block):
            lo, hi, dst = int(m.group(1), 16), int(m.group(2), 16), m.group(3)
            if hi - lo > 0xFFFF:
                continue
            if dst.startswith("["):
                for k, h in enumerate(re.findall(r"<([0-9A-Fa-f]*)>", dst)):
                    out[lo + k] = _hex_text(h)
            else:
                base = _hex_text(dst[1:-1])
                for k in range(hi - lo + 1):
                    out[lo + k] = base[:-1] + chr(ord(base[-1]) + k) if base else ""
    return out


def tounicode_stream(cmap: dict[int, str]) -> bytes:
    entries = [
        f"<{c:04X}> <{''.join(f'{b:02X}' for b in t.encode('utf-16-be'))}>" for c, t in sorted(cmap.items())
    ]
    body = []
    for i in range(0, len(entries), 100):
        chunk = entries[i : i + 100]
        body.append(f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar")
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "\n".join(body)
        + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode("ascii")


# --- what a font program says ---------------------------------------------------------------------


def _name_text(name: str) -> str | None:
    """Text of a glyph name (`uni0644_uni0627.fina`, `alef-ar.fina`, `beh`), None if it says nothing."""
    from fontTools import agl

    if not name or name.startswith(("glyph", ".")) or re.fullmatch(r"g\d+|gid\d+|cid\d+", name):
        return None
    base = name.split(".")[0]
    text = agl.toUnicode(base)
    return fold_forms(text) if text else None


def _census_strings() -> list[str]:
    """Letter triples (every joining context), lam-alef, punctuation and the corpus's words."""
    letters = AR_LETTERS
    out = [a + b + c for a in letters + " " for b in letters for c in letters + " "]
    out += list(_CENSUS_EXTRA) + ["ل" + a for a in "اأإآ"] + [b + "ل" + a for b in "بل" for a in "اأإآ"]
    out += [a + "ـ" * k + b for a in letters for b in letters for k in (1, 3)]  # kashida stretches
    out += sorted(_corpus_words())
    return out


@lru_cache(maxsize=1)
def _corpus_words() -> frozenset[str]:
    """Distinct words of the bundled general corpus: the contexts a font's GSUB sees in real text."""
    from importlib import resources

    words: set[str] = set()
    try:
        folder = resources.files("egm_text.resources").joinpath("corpus")
        for entry in folder.iterdir():
            if entry.name.endswith(".txt"):
                words.update(re.findall(r"[\u0621-\u064A]+", entry.read_text(encoding="utf-8")))
    except (FileNotFoundError, OSError):
        pass
    return frozenset(words)


def _shape_census(data: bytes, strings: list[str]) -> dict[int, set[str]]:
    """Glyph id -> the texts it was seen drawing when shaping the census strings."""
    import uharfbuzz as hb

    font = hb.Font(hb.Face(hb.Blob(data)))
    seen: dict[int, set[str]] = defaultdict(set)
    for s in strings:
        for force in (False, True) if len(s) == 1 else (False,):
            buf = hb.Buffer()
            buf.add_str(s)
            buf.guess_segment_properties()
            if force:  # punctuation and digits take Arabic-localised glyphs inside Arabic runs
                buf.direction, buf.script, buf.language = "rtl", "Arab", "ar"
            hb.shape(font, buf, {})
            infos = sorted(buf.glyph_infos, key=lambda g: g.cluster)
            clusters = sorted({g.cluster for g in infos}) + [len(s)]
            nxt = {c: clusters[i + 1] for i, c in enumerate(clusters[:-1])}
            first = set()
            for g in infos:
                if g.codepoint == 0:
                    continue
                if g.cluster in first:
                    seen[g.codepoint].add("")
                else:
                    first.add(g.cluster)
                    seen[g.codepoint].add(s[g.cluster : nxt[g.cluster]])
    return seen


def _outline_key(font, gname: str) -> str | None:
    """A hash of a glyph's outline (composites resolved) and advance; None without glyf data."""
    if "glyf" not in font:
        return None
    glyf = font["glyf"]
    try:
        coords, ends, _ = glyf[gname].getCoordinates(glyf)
    except Exception:  # noqa: BLE001 - a damaged glyph identifies nothing
        return None
    if not len(coords):
        return None
    adv = font["hmtx"][gname][0] if "hmtx" in font else 0
    h = hashlib.sha1(f"{adv}|{list(ends)}|".encode())
    h.update(coords.array.tobytes() if hasattr(coords, "array") else repr(list(coords)).encode())
    return h.hexdigest()


CACHE_VERSION = 2


def _cache_dir() -> Path:
    """$EGM_TEXT_CACHE, else ~/.cache/egm-text (the same place the lexicon cache lives)."""
    import os

    env = os.environ.get("EGM_TEXT_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "egm-text"


@dataclass
class ReferenceFont:
    """A full font: outline key -> text, from its cmap and its GSUB forms."""

    family: str
    path: Path
    by_outline: dict[str, frozenset[str]] = field(default_factory=dict)


@lru_cache(maxsize=8)
def load_reference(path: str) -> ReferenceFont:
    """Index a full font by outline; the index is cached on disk by the font's and corpus's hash."""
    import json

    from fontTools.ttLib import TTFont

    data = Path(path).read_bytes()
    digest = hashlib.sha1(data + "|".join(sorted(_corpus_words())).encode()).hexdigest()[:16]
    cache = _cache_dir() / f"fontref-v{CACHE_VERSION}-{digest}.json"
    try:
        blob = json.loads(cache.read_text(encoding="utf-8"))
        return ReferenceFont(
            blob["family"], Path(path), {k: frozenset(v) for k, v in blob["outlines"].items()}
        )
    except (OSError, ValueError, KeyError):
        pass
    font = TTFont(io.BytesIO(data), lazy=True)
    order = font.getGlyphOrder()
    texts = _shape_census(data, _census_strings())
    for code, gname in (font.getBestCmap() or {}).items():
        texts[font.getGlyphID(gname)].add(fold_forms(chr(code)))
    by_outline: dict[str, set[str]] = defaultdict(set)
    for gid, found in texts.items():
        if gid >= len(order):
            continue
        key = _outline_key(font, order[gid])
        if key is not None:
            by_outline[key].update(found)
    family = (font["name"].getBestFamilyName() if "name" in font else None) or Path(path).stem
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{__import__('os').getpid()}.tmp")
        tmp.write_text(
            json.dumps(
                {"family": family, "outlines": {k: sorted(v) for k, v in by_outline.items()}},
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        tmp.replace(cache)
    except OSError:
        pass  # an unwritable cache only costs time
    return ReferenceFont(family, Path(path), {k: frozenset(v) for k, v in by_outline.items()})


def default_reference_fonts() -> dict[str, Path]:
    """Reference fonts known without configuration: Amiri from fontpkg-amiri, when installed."""
    out: dict[str, Path] = {}
    try:
        import fontpkg_amiri
    except ImportError:
        return out
    files = Path(fontpkg_amiri.__file__).resolve().parent / "files"
    for style, suffix in (
        ("Regular", ""),
        ("Bold", "-Bold"),
        ("Italic", "-Italic"),
        ("BoldItalic", "-BoldItalic"),
    ):
        p = files / f"Amiri-{style}.ttf"
        if p.exists():
            out[f"Amiri{suffix}"] = p
    return out


def _family_key(name: str) -> str:
    name = name.lstrip("/")
    if re.match(r"^[A-Z]{6}\+", name):
        name = name[7:]
    return re.sub(r"[^a-z0-9]", "", name.lower().replace("regular", ""))


# --- one embedded font ----------------------------------------------------------------------------


@dataclass
class FontReport:
    """What the font-level check found for one embedded font."""

    name: str
    evidence: list[str] = field(default_factory=list)  # cmap | names | gsub | outlines:<family>
    codes: int = 0  # codes with a ToUnicode entry or used
    agree: int = 0
    disagree: int = 0
    unknown: int = 0
    inked_blank: int = 0  # glyphs with ink mapped to nothing or a space
    fixes: dict[int, tuple[str, str]] = field(default_factory=dict)  # code -> (old, new)
    ambiguous: dict[int, frozenset[str]] = field(default_factory=dict)  # code -> candidate letters

    @property
    def broken(self) -> bool:
        known = self.agree + self.disagree
        return self.disagree >= 3 and self.disagree > 0.05 * max(1, known)

    @property
    def unverified(self) -> bool:
        return not self.evidence


def _cid_to_gid(desc) -> dict[int, int] | None:
    m = desc.get("/CIDToGIDMap")
    if m is None or m == pikepdf.Name("/Identity"):
        return None
    data = m.read_bytes()
    return {i // 2: (data[i] << 8) | data[i + 1] for i in range(0, len(data) - 1, 2)}


def analyse_font(fontdict, references: dict[str, Path]) -> FontReport | None:
    """Check one Type0/TrueType font's ToUnicode; None when there is nothing to check."""
    from fontTools.ttLib import TTFont

    if fontdict.get("/Subtype") != "/Type0" or "/ToUnicode" not in fontdict:
        return None
    desc = fontdict.DescendantFonts[0]
    fd = desc.get("/FontDescriptor")
    prog = fd.get("/FontFile2") if fd is not None else None
    name = str(fontdict.get("/BaseFont", ""))
    report = FontReport(name=name)
    tu = parse_tounicode(fontdict.ToUnicode.read_bytes())
    report.codes = len(tu)
    if prog is None:
        return report
    data = prog.read_bytes()
    try:
        font = TTFont(io.BytesIO(data), lazy=True)
        order = font.getGlyphOrder()
    except Exception:  # noqa: BLE001 - an unreadable program gives no evidence
        return report
    c2g = _cid_to_gid(desc)

    # evidence 1-3: the font's own cmap, glyph names and GSUB forms
    says: dict[int, set[str]] = {}
    cmap = font.getBestCmap() if "cmap" in font else None
    if cmap:
        report.evidence.append("cmap")
        for code, gname in cmap.items():
            says.setdefault(font.getGlyphID(gname), {fold_forms(chr(code))})
    post = font["post"] if "post" in font else None
    if post is not None and post.formatType == 2.0:
        named = 0
        for gid, gname in enumerate(order):
            t = _name_text(gname)
            if t is not None:
                says.setdefault(gid, {t})
                named += 1
        if named:
            report.evidence.append("names")
    if "GSUB" in font and cmap:
        inv = set(cmap)
        strings = [s for s in _census_strings() if all(ord(c) in inv or c == " " for c in s)]
        for gid, found in _shape_census(data, strings).items():
            says.setdefault(gid, set(found))
        report.evidence.append("gsub")
    # evidence 4: outlines against a reference font of the same family
    fam = _family_key(name)
    ref_path = next((p for f, p in references.items() if _family_key(f) == fam), None)
    ink: dict[int, bool] = {}
    ref = load_reference(str(ref_path)) if ref_path is not None else None
    matched = 0
    for gid, gname in enumerate(order):
        key = _outline_key(font, gname)
        ink[gid] = key is not None
        if ref is not None and key is not None and key in ref.by_outline:
            says.setdefault(gid, set(ref.by_outline[key]))
            matched += 1
    if ref is not None and matched:
        report.evidence.append(f"outlines:{ref.family}")

    for code, text in tu.items():
        gid = code if c2g is None else c2g.get(code, 0)
        if gid == 0 or gid >= len(order):
            continue
        have = fold_forms(text).replace("\u0640", "")
        if ink.get(gid) and not have.strip():
            report.inked_blank += 1
        if gid not in says:
            report.unknown += 1
            continue
        wants = {fold_forms(w).replace("\u0640", "") for w in says[gid]}
        if have in wants or _mirrored(have) in wants:
            report.agree += 1
            continue
        letters = {w for w in says[gid] if w}
        if len(letters) == 1:
            report.disagree += 1
            report.fixes[code] = (text, next(iter(letters)))
        elif len(letters) > 1 and "" not in says[gid]:
            report.disagree += 1  # wrong for sure; which of a few letters is settled on the words
            report.ambiguous[code] = frozenset(letters)
        else:
            report.unknown += 1
    return report


def _mirrored(text: str) -> str:
    pairs = {"(": ")", ")": "(", "[": "]", "]": "[", "{": "}", "}": "{", "«": "»", "»": "«"}
    return "".join(pairs.get(c, c) for c in text)


@dataclass
class FontRepair:
    """The outcome over a whole PDF: per-font reports and, when something was fixed, new PDF bytes."""

    reports: dict[str, FontReport]
    data: bytes | None  # the PDF with rebuilt ToUnicode CMaps, None when nothing changed
    fixed_fonts: set[str] = field(default_factory=set)
    placeholders: dict[str, frozenset[str]] = field(default_factory=dict)  # private-use char -> letters

    def resolve(self, texts: list[str]) -> dict[str, str]:
        """Pick each placeholder's letter by how many words of the text it turns into known words."""
        if not self.placeholders:
            return {}
        words = _corpus_words()
        ph = "".join(self.placeholders)
        tokens = [t for text in texts for t in re.findall(rf"[\u0621-\u064A{ph}]+", text) if set(t) & set(ph)]
        choice: dict[str, str] = {}
        for p, cands in self.placeholders.items():
            default = {q: sorted(c)[0] for q, c in self.placeholders.items() if q != p}
            scored = []
            for cand in sorted(cands):
                hits = 0
                for t in tokens:
                    if p in t:
                        w = t.replace(p, cand)
                        for q, d in default.items():
                            w = w.replace(q, d)
                        hits += w in words or (w.startswith(("و", "ف", "ب", "ل")) and w[1:] in words)
                scored.append((hits, cand))
            choice[p] = max(scored)[1]
        return choice


def repair_fonts(pdf: pikepdf.Pdf, references: dict[str, Path] | None = None) -> FontRepair:
    """Check every embedded font; rebuild broken ToUnicode maps in place and return the new bytes."""
    refs = dict(default_reference_fonts())
    refs.update(references or {})
    reports: dict[str, FontReport] = {}
    fixed: set[str] = set()
    placeholders: dict[str, frozenset[str]] = {}
    done: set[tuple[int, int]] = set()
    for page in pdf.pages:
        res = page.obj.get("/Resources")
        fonts = res.get("/Font") if res is not None else None
        if fonts is None:
            continue
        for _, f in fonts.items():
            if f.objgen in done:
                continue
            done.add(f.objgen)
            rep = analyse_font(f, refs)
            if rep is None:
                continue
            key = str(f.get("/BaseFont", "")).lstrip("/")
            reports[key] = rep
            if rep.fixes and rep.broken:
                tu = parse_tounicode(f.ToUnicode.read_bytes())
                for code, (_, new) in rep.fixes.items():
                    tu[code] = new
                for code, cands in rep.ambiguous.items():
                    p = chr(0xF0000 + len(placeholders))
                    placeholders[p] = cands
                    tu[code] = p
                f.ToUnicode = pdf.make_stream(tounicode_stream(tu))
                fixed.add(key)
    if not fixed:
        return FontRepair(reports, None)
    out = io.BytesIO()
    pdf.save(out)
    return FontRepair(reports, out.getvalue(), fixed, placeholders)


def census_counts(reports: dict[str, FontReport]) -> Counter:
    c: Counter = Counter()
    for r in reports.values():
        c.update(agree=r.agree, disagree=r.disagree, unknown=r.unknown)
    return c
