"""Page orientation classifiers: whether a page lies upright, sideways or upside down."""

from ocula.adapters.orientation.base import ANGLES, OrientationClassifier, PageOrientation
from ocula.adapters.orientation.rapid import RapidOrientationClassifier

__all__ = ["ANGLES", "OrientationClassifier", "PageOrientation", "RapidOrientationClassifier"]
