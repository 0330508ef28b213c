"""`constructor(owner, featureCount, alpha, documentCounts, costWeight, refundWait, ownerClaimWait,
anyoneClaimWait)` of `NaiveBayesDRT`: the model's parameters checked (feature count, class count,
alpha, then each document count), the layout's views set, the totals zero until loading.

Ape cannot decode a constructor's custom error, so the reverts are matched on their exact revert data.
"""

from __future__ import annotations

import pytest
from helpers import DrtParams, reverts_with

from collabml.fixedpoint import ONE
from collabml.models.naive_bayes import (
    MAX_ALPHA,
    MAX_CLASS_COUNT,
    MAX_COUNT,
    MAX_DOCUMENT_COUNT,
    MAX_FEATURE_COUNT,
)

ZERO_ADDRESS = "0x" + "00" * 20


@pytest.fixture(scope="module")
def deploy(project, owner):
    """Deploy a `NaiveBayesDRT` (5 features, alpha 1, documents (3, 4) by default); a deployment's only
    event is `OwnershipTransferred(0, owner)`."""

    def deploy(feature_count=5, alpha=ONE, documents=(3, 4)):
        params = DrtParams()
        contract = owner.deploy(
            project.NaiveBayesDRT,
            owner.address,
            feature_count,
            alpha,
            list(documents),
            params.cost_weight,
            params.refund_wait,
            params.owner_claim_wait,
            params.anyone_claim_wait,
        )
        assert contract.creation_metadata.receipt.events == [
            contract.OwnershipTransferred(previousOwner=ZERO_ADDRESS, newOwner=owner)
        ]
        return contract

    return deploy


def test_constructor__views(deploy, owner, chain):
    contract = deploy()

    assert contract.owner() == owner
    assert contract.featureCount() == 5
    assert contract.classCount() == 2
    assert contract.alpha() == ONE
    assert [contract.documentCount(c) for c in range(2)] == [3, 4]
    assert [contract.classTotal(c) for c in range(2)] == [0, 0]  # computed while loading
    assert contract.maxCount() == MAX_COUNT
    assert contract.maxDocumentCount() == MAX_DOCUMENT_COUNT
    assert contract.modelWordCount() == 1  # 5 features x 2 classes = 10 lanes of 16 a word
    assert contract.loadedWords() == 0
    assert not contract.modelReady()
    assert contract.contributionCount() == 0
    assert contract.lastUpdateTime() == chain.blocks[contract.creation_metadata.block].timestamp


@pytest.mark.parametrize(
    "features, classes, words",
    [
        (1, 2, 1),
        (8, 2, 1),
        (9, 2, 2),
        (64, 10, 40),
        (13, 3, 3),
        (1, MAX_CLASS_COUNT, 2),
        (1000, 2, 125),
        (MAX_FEATURE_COUNT, 2, 8_192),
        (MAX_FEATURE_COUNT, MAX_CLASS_COUNT, 131_072),
    ],
)
def test_constructor__word_count(deploy, features, classes, words):
    contract = deploy(feature_count=features, documents=[1] * classes)

    assert contract.classCount() == classes
    assert contract.featureCount() == features
    assert contract.modelWordCount() == words


@pytest.mark.parametrize("feature_count", [0, MAX_FEATURE_COUNT + 1, 2**256 - 1])
def test_constructor__feature_count_out_of_range(deploy, project, feature_count):
    with reverts_with(project.NaiveBayesDRT, "FeatureCountOutOfRange", feature_count, MAX_FEATURE_COUNT):
        deploy(feature_count=feature_count)


@pytest.mark.parametrize("documents", [(), (5,), [1] * (MAX_CLASS_COUNT + 1)])
def test_constructor__class_count_out_of_range(deploy, project, documents):
    with reverts_with(project.NaiveBayesDRT, "ClassCountOutOfRange", len(documents), MAX_CLASS_COUNT):
        deploy(documents=documents)


@pytest.mark.parametrize("alpha", [0, MAX_ALPHA + 1, 2**256 - 1])
def test_constructor__alpha_out_of_range(deploy, project, alpha):
    with reverts_with(project.NaiveBayesDRT, "AlphaOutOfRange", alpha, MAX_ALPHA):
        deploy(alpha=alpha)


@pytest.mark.parametrize("alpha", [1, MAX_ALPHA])
def test_constructor__alpha_bounds(deploy, alpha):
    assert deploy(alpha=alpha).alpha() == alpha


@pytest.mark.parametrize("label", [0, 1, 4])
def test_constructor__document_count_overflow(deploy, project, label):
    documents = [7] * 5
    documents[label] = MAX_DOCUMENT_COUNT + 1
    with reverts_with(
        project.NaiveBayesDRT, "DocumentCountOverflow", label, MAX_DOCUMENT_COUNT + 1, MAX_DOCUMENT_COUNT
    ):
        deploy(documents=documents)


def test_constructor__document_count_bounds(deploy):
    """Each class's block holds 0 .. 2^27 - 1 without touching its neighbours: classes 0 and 1 in the
    hot word, classes 2-5 in header word 0, class 6 in header word 1."""
    documents = [MAX_DOCUMENT_COUNT, MAX_DOCUMENT_COUNT, 1, MAX_DOCUMENT_COUNT, 0, MAX_DOCUMENT_COUNT, 12_345]
    contract = deploy(documents=documents)

    assert MAX_DOCUMENT_COUNT == 2**27 - 1
    assert [contract.documentCount(c) for c in range(7)] == documents
    assert [contract.classTotal(c) for c in range(7)] == [0] * 7
    assert contract.loadedWords() == 0
    assert contract.contributionCount() == 0  # the class blocks share the hot word with the counters


def test_constructor__first_error_wins(deploy, project):
    """Feature count, then class count, then alpha, then document counts."""
    with reverts_with(project.NaiveBayesDRT, "FeatureCountOutOfRange", 0, MAX_FEATURE_COUNT):
        deploy(feature_count=0, alpha=0, documents=(1,))
    with reverts_with(project.NaiveBayesDRT, "ClassCountOutOfRange", 1, MAX_CLASS_COUNT):
        deploy(alpha=0, documents=(MAX_DOCUMENT_COUNT + 1,))
    with reverts_with(project.NaiveBayesDRT, "AlphaOutOfRange", 0, MAX_ALPHA):
        deploy(alpha=0, documents=(MAX_DOCUMENT_COUNT + 1, 1))


def test_constructor__mechanism_checked_after_the_model(deploy, project, owner):
    params = DrtParams()
    with reverts_with(project.NaiveBayesDRT, "AlphaOutOfRange", 0, MAX_ALPHA):
        owner.deploy(project.NaiveBayesDRT, owner.address, 5, 0, [1, 1], 0, 3, 2, 1)
    with reverts_with(project.NaiveBayesDRT, "CostWeightOutOfRange", 0, (2**96 - 1) // 3600):
        owner.deploy(
            project.NaiveBayesDRT,
            owner.address,
            5,
            ONE,
            [1, 1],
            0,
            params.refund_wait,
            params.owner_claim_wait,
            params.anyone_claim_wait,
        )


def test_constructor__view_label_and_feature_checks(deploy, anyone):
    contract = deploy()
    with reverts_with(contract, "LabelOutOfRange", 2, 2):
        contract.documentCount.transact(2, sender=anyone)
    with reverts_with(contract, "LabelOutOfRange", 2, 2):
        contract.classTotal.transact(2, sender=anyone)
    with reverts_with(contract, "LabelOutOfRange", 2, 2):
        contract.count.transact(2, 0, sender=anyone)
    with reverts_with(contract, "FeatureOutOfRange", 5, 5):
        contract.count.transact(0, 5, sender=anyone)
