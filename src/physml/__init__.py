"""physml: the methods of the Topical Lectures on Machine Learning for physicists.

The lecture's methods implemented from their equations, checked against
independent oracles, and benchmarked against scikit-learn, SciPy and PyTorch.
Docstrings cite the syllabus items S1-S45; docs/syllabus.md in the source
repository lists each item with the module that implements it, the tests that
check it, and the report chapter and tutorial that show it.
"""

__version__ = "0.1.0"
