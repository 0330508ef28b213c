"""Bit-exact mirrors of the on-chain models, and converters from fitted scikit-learn models."""

from collabml.models.perceptron import SparsePerceptron, SparsePerceptron32

__all__ = ["SparsePerceptron", "SparsePerceptron32"]

from collabml.models.dense_perceptron import DensePerceptron  # noqa: E402
from collabml.models.multiclass_perceptron import (  # noqa: E402
    DenseMulticlassPerceptron,
    SparseMulticlassPerceptron,
)

__all__ += ["DensePerceptron", "DenseMulticlassPerceptron", "SparseMulticlassPerceptron"]

from collabml.models.nearest_centroid import DenseNearestCentroid, SparseNearestCentroid  # noqa: E402

__all__ += ["DenseNearestCentroid", "SparseNearestCentroid"]

from collabml.models.naive_bayes import NaiveBayes  # noqa: E402

__all__ += ["NaiveBayes"]
