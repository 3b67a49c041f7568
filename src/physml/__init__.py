"""physml: the methods of the Topical Lectures on Machine Learning for physicists.

Every method of the lecture (see SYLLABUS.md, items S1-S45) implemented from
its equations, checked against independent oracles, and benchmarked against
scikit-learn, SciPy and PyTorch.
"""

__version__ = "0.1.0"
