"""The members model selection chooses from, named apart from ``training`` (scikit-learn):
``guiders analytics train --help`` lists them without importing it."""

DEFAULT_POOL = ("hist_gradient_boosting", "extra_trees", "random_forest", "spline_logistic")
