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
    hint = (
        "the learning rate is a positive integer that fits the model's weights: int16 (1 to 32,767 weight "
        "units) for SparsePerceptron, int32 for the other Perceptrons and the prediction market"
    )


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


# ---- IPoints ----
class ValueNotAccepted(ContractRuleError):
    hint = "contributions to a Points trainer are free: send addData with value 0"


class ReportsMoveNothing(ContractRuleError):
    hint = "a Points trainer holds no deposits, so there is nothing to report or take"


class RefundWaitOutOfRange(ContractRuleError):
    hint = "the refund wait is 0 to type(uint64).max seconds"


# ---- IContributorBadges ----
class BadgesNotTransferable(ContractRuleError):
    hint = "badges stay with the account that earned them; they cannot be transferred"


class CallerNotTrainer(ContractRuleError):
    hint = "only the trainer mints badges, in the refund that reaches a badge level"


class BadgeLevelUnknown(ContractRuleError):
    hint = "badge levels are 1, 10, 100 and 1,000"


class BadgeAlreadyHeld(ContractRuleError):
    hint = "each account holds at most one badge of each level"


# ---- OpenZeppelin IERC1155Errors (ContributorBadges) ----
class ERC1155InvalidReceiver(ContractRuleError):
    hint = "badges cannot be minted to the zero address"


# ---- INaiveBayes / FixedPointMath ----
class AlphaOutOfRange(ContractRuleError):
    hint = "alpha is fixed point (scale 1e6): 1 to 1e12, i.e. 1e-6 to 1e6"


class DocumentCountOverflow(ContractRuleError):
    hint = "a class's document count cannot exceed 2^64 - 1"


class CountOverflow(ContractRuleError):
    hint = "a class's count of one feature cannot exceed 2^16 - 1 (a uint16 lane); send a smaller count"


class LnOfZero(ContractRuleError):
    hint = "the logarithm is defined for integers of at least 1"


class LnExponentOutOfRange(ContractRuleError):
    hint = "the power-of-two exponent of ln(x, e) must be within +-2^64"


# ---- IPredictionMarket ----
class WrongPhase(ContractRuleError):
    hint = "the market is in another phase (marketState().phase); see SPEC.md §12 for the order"


class CallerNotSponsor(ContractRuleError):
    hint = "only the sponsor loads the model and opens the market"


class PieceCountOutOfRange(ContractRuleError):
    hint = "commit to 2 to 1,024 test pieces"


class TestExampleLimitOutOfRange(ContractRuleError):
    hint = "the test set size limit is 1 to 2^20 examples"


class UnitOutOfRange(ContractRuleError):
    hint = "the unit is 1 to type(uint96).max base units"


class MinStakeOutOfRange(ContractRuleError):
    hint = "the minimum stake is 1 to 2^62 units"


class DurationOutOfRange(ContractRuleError):
    hint = "the participation length and the reveal window are 1 to type(uint32).max seconds"


class RoundsOutOfRange(ContractRuleError):
    hint = "buy 1 to 2^62 / testExampleLimit rounds"


class ValueMismatch(ContractRuleError):
    hint = "send exactly the amount due in wei (stake * unit, or the bounty); send no ether to a token market"


class TokenAmountMismatch(ContractRuleError):
    hint = "the token delivered a different amount than asked (a fee or rebase); use a standard ERC-20"


class DrawTooEarly(ContractRuleError):
    hint = "wait for the block after the next one after open"


class DrawExpired(ContractRuleError):
    hint = "the draw block's hash is older than 256 blocks; the market can only be settled after the first reveal deadline"


class PieceNotDrawn(ContractRuleError):
    hint = "call drawPiece() first"


class PieceAlreadyDrawn(ContractRuleError):
    hint = "the piece to reveal first is already drawn"


class PieceMismatch(ContractRuleError):
    hint = "the piece and salt do not hash to the committed piece; send them exactly as committed"


class TestPieceMalformed(ContractRuleError):
    hint = "pack each example as uint8 label, uint16 count, sorted uint16 indices (prediction_market.pack_piece)"


class TestSetTooLarge(ContractRuleError):
    hint = "the revealed pieces hold more examples than the declared testExampleLimit"


class ParticipationNotEnded(ContractRuleError):
    hint = "reveal the pieces from participationEnd on"


class ParticipationEnded(ContractRuleError):
    hint = "participation is over; contributions are refused"


class RevealDeadlinePassed(ContractRuleError):
    hint = "the reveal deadline has passed; anyone can now call settleUnrevealed()"


class RevealDeadlineNotPassed(ContractRuleError):
    hint = "wait until the deadline before settling an unrevealed market"


class RevealLengthMismatch(ContractRuleError):
    hint = "send one salt per piece"


class PieceIndexOutOfRange(ContractRuleError):
    hint = "every piece is revealed already; send fewer pieces"


class StakeTooLow(ContractRuleError):
    hint = "stake at least minStake() units"


class StakeTooHigh(ContractRuleError):
    hint = "stake at most maxStake() units"


class TooManyContributions(ContractRuleError):
    hint = "the market holds the most contributions it can count"


class TestSetMismatch(ContractRuleError):
    hint = "send every revealed scored piece, in index order, exactly as revealed (PieceRevealed events)"


class ContributionDataMissing(ContractRuleError):
    hint = "send one preimage per step, from the cursor on, wrapping after the last id"


class NothingToWithdraw(ContractRuleError):
    hint = "this account is owed nothing by the market"


class AlreadyWithdrawn(ContractRuleError):
    hint = "this account has already withdrawn everything it was owed"


class TooManyFeatures(ContractRuleError):
    hint = "a prediction-market contribution has at most 512 features; send fewer"
