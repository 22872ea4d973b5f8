"""Document layout engines: regions (tables, figures, titles, text, headers, footers, ...) of a page image."""

from ocula.adapters.layout.base import REGION_LABELS, LayoutEngine
from ocula.adapters.layout.rapid import CDLA_REGIONS, RapidLayoutEngine

__all__ = ["CDLA_REGIONS", "REGION_LABELS", "LayoutEngine", "RapidLayoutEngine"]
