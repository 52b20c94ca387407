"""csnn's version, and the name it is distributed under.

The package index already has an unrelated project called ``csnn``, so csnn is distributed as
``csnn-sim`` (``pip install csnn-sim``) and imported as ``csnn``, as scikit-learn is installed as
``scikit-learn`` and imported as ``sklearn``.
"""
__version__ = "0.1.0"

#: the distribution name: what pip installs, ``importlib.metadata`` knows and extras hang on
DISTRIBUTION = "csnn-sim"
