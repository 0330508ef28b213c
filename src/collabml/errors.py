"""Exceptions that mirror the contracts' custom errors, name for name.

A mirror raises ``FeaturesNotSorted(position, previous, index)`` exactly where the contract
reverts with ``FeaturesNotSorted(uint256,uint256,uint256)``, so differential tests compare the
error name and its arguments. Each message also says what to do about it.
"""

from __future__ import annotations


class ContractRuleError(Exception):
    """A call the contract would revert; ``args`` are the custom error's arguments, in order."""

    hint = ""

    def __init__(self, *args: int | str) -> None:
        super().__init__(*args)

    @property
    def name(self) -> str:
        return type(self).__name__

    def __str__(self) -> str:
        args = ", ".join(str(a) for a in self.args)
        return f"{self.name}({args})" + (f": {self.hint}" if self.hint else "")


# ---- IClassifier ----
class FeaturesMalformed(ContractRuleError):
    hint = "features are packed 2 bytes per index; build them with collabml.encoding.pack_indices"


class FeaturesNotSorted(ContractRuleError):
    hint = "send feature indices sorted ascending, each once"


class FeatureOutOfRange(ContractRuleError):
    hint = "every feature index must be below the model's feature count"


class FeatureValueOutOfRange(ContractRuleError):
    hint = "a count or dense value is outside the model's documented bounds (SPEC.md); rescale the input"


class LabelOutOfRange(ContractRuleError):
    hint = "labels are 0 .. classCount - 1"


class ModelNotLoaded(ContractRuleError):
    hint = "the owner must finish loadModel (resume at loadedWords) before the model is used"


class FeatureCountOutOfRange(ContractRuleError):
    hint = "feature counts are 1 to 65,536"


# ---- ISparsePerceptron ----
class ModelChunkOutOfOrder(ContractRuleError):
    hint = "resume loading at loadedWords()"


class ModelChunkTooLong(ContractRuleError):
    hint = "the chunk runs past modelWordCount()"


class LearningRateOutOfRange(ContractRuleError):
    hint = "the learning rate is a positive fixed-point number that fits int32"


# ---- IDataHandler ----
class ContributionNotFound(ContractRuleError):
    hint = "no contribution has this id yet"


class ContributionSettled(ContractRuleError):
    hint = "this contribution was refunded or its deposit was taken; nothing is left to claim"


class ContributionMismatch(ContractRuleError):
    hint = "resend the contributor, features, label, time and deposit exactly as in ContributionAdded"


class AlreadyClaimed(ContractRuleError):
    hint = "each account takes from a contribution at most once"


# ---- IIncentiveMechanism / IDepositRefundTake ----
class DepositTooLow(ContractRuleError):
    hint = "send at least depositRequired(); the excess is returned in the same call"


class ClaimTooEarly(ContractRuleError):
    hint = "wait until the claimableAt timestamp"


class ModelDisagrees(ContractRuleError):
    hint = "the model does not predict your label now, so the deposit cannot be refunded"


class ModelAgrees(ContractRuleError):
    hint = "the model predicts this contribution's label, so it cannot be reported as bad"


class ReporterIsContributor(ContractRuleError):
    hint = "you cannot report your own contribution before the final wait"


class ReporterHasNoGoodContributions(ContractRuleError):
    hint = "only accounts with refunded (validated) contributions may report"


class WaitsOutOfOrder(ContractRuleError):
    hint = "waits must satisfy refundWait <= ownerClaimWait <= anyoneClaimWait"


class CostWeightOutOfRange(ContractRuleError):
    hint = "the cost weight is 1 to type(uint96).max / 3600 wei"


# ---- ICollaborativeTrainer ----
class PaymentFailed(ContractRuleError):
    hint = "the recipient refused the ether; claim from (or contribute with) an account that can receive it"


class SignatureExpired(ContractRuleError):
    hint = "the signed deadline has passed; ask the contributor to sign again with a later deadline"


class InvalidSignature(ContractRuleError):
    hint = "the signature is not the named contributor's over exactly these features, label, nonce and deadline"


class InvalidAccountNonce(ContractRuleError):
    hint = "the nonce was used already (a replay) or is not the current one: sign with nonces(contributor)"


# ---- IMulticlassPerceptron ----
class ClassCountOutOfRange(ContractRuleError):
    hint = "multi-class models have 2 to 256 classes (labels are uint8)"


# ---- INearestCentroid ----
class ExampleCountOverflow(ContractRuleError):
    hint = "the class holds the most examples its sums can count (maxExampleCount()); no more can be added"


class FeatureSumOutOfRange(ContractRuleError):
    hint = "a model word holds a sum the class's example count cannot produce; pack the words with the mirror"


class ModelWordMalformed(ContractRuleError):
    hint = "a model word has bits set outside its lanes; pack the words with the mirror (packed_words())"
