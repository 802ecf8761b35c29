"""Repair of broken Arabic glyph encodings: profile, lexicon, decoder, line order, public API."""

from egm_text.repair.repairer import GlyphRepairer, LineRepair, default_repairer, repair_text, write_audit

__all__ = ["GlyphRepairer", "LineRepair", "default_repairer", "repair_text", "write_audit"]
