"""dlcore: a small, readable NumPy library for building and training neural networks."""
from .module import Layer, Parameter, Sequential

__version__ = "0.1.0"
