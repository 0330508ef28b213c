"""Bit-exact mirrors of the on-chain models, and converters from fitted scikit-learn models."""

from collabml.models.perceptron import SparsePerceptron

__all__ = ["SparsePerceptron"]
