// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IChunkedModel} from "../interfaces/IChunkedModel.sol";
import {IClassifier} from "../interfaces/IClassifier.sol";
import {IPredictionMarket} from "../interfaces/IPredictionMarket.sol";
import {ISparsePerceptron} from "../interfaces/ISparsePerceptron.sol";

/// @title PredictionMarket
/// @notice A prediction market on a binary sparse Perceptron, run entirely on chain
/// (SPEC.md §12): commitment, participation, reveal, replay in batches, payouts.
/// @dev Three runs of model words under one namespaced base: the initial model (loaded in chunks
/// by the sponsor, never changed after `open`), the replay's scratch copy, and one 32-bit pass stamp
/// per scratch word (eight to a slot). A scratch word counts only if its stamp is the current pass,
/// so starting a new pass from the initial model costs nothing. Each `advance` call keeps the model
/// in memory (words loaded on first use, written back once if changed) and reads the test set from
/// calldata (checked against the hash chain of the revealed pieces); at its first update it builds
/// an inverted index of the test set and each example's score in memory, so an update moves only
/// the scores of the examples that share a feature with it, then re-counts the examples right.
/// NOTE: a replay call costs about 610 gas per scored feature entry (the index) plus about 100 gas
/// per scored example for each contribution that changes the model; one 30M-gas call holds at most
/// about 42,000 entries. The spec has the measured figures and the largest markets that finish
/// within a number of transactions.
/// NOTE: a contribution whose stake is below its |score| cannot pay one round and is dropped
/// without paying; choose `minStake >= testExampleLimit` to rule that out.
contract PredictionMarket is IPredictionMarket, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @dev Hot state of contributions; the phase and the participation end are read by every call.
    struct Entry {
        Phase phase;
        uint32 contributionCount;
        uint128 totalStake;
        uint64 participationEnd;
    }

    /// @dev The replay's progress.
    struct Replay {
        uint32 pass;
        uint32 cursor;
        uint32 correctInitial;
        uint32 correctBefore;
        uint64 minRounds;
        int64 intercept;
    }

    /// @dev Rounds and the reveal's progress.
    struct Rounds {
        uint64 roundsLeft;
        uint64 pendingRounds;
        uint16 drawnPiece;
        uint16 nextPiece;
        uint32 scoredExamples;
        uint32 revealedExamples;
        uint32 loadedWords;
    }

    /// @dev The clock: `open`'s time and block, the reveal deadline, the replay's last progress.
    struct Schedule {
        uint64 openTime;
        uint64 openBlock;
        uint64 revealDeadline;
        uint64 lastProgress;
    }

    /// @dev What an account is owed; `withdrawn` tells a second withdrawal from an empty one.
    struct Payout {
        uint248 amount;
        bool withdrawn;
    }

    /// @dev The model of one `advance` call, in memory: `words` (every model word, valid where the
    /// `loaded` bit is set), `dirty` bits for the words to write back, the pass whose scratch words
    /// are valid (0: none, read the initial words) and the intercept. Then the test set's inverted
    /// index, built from the calldata at the first update of the call: `postings` (uint32 lanes,
    /// eight to a word: the scored examples, numbered across pieces, grouped by feature), feature
    /// `i`'s postings running from lane `i` of `starts` to lane `i` of `ends` (same layout as the
    /// model words), the `labels` bitmap, and `scores`: for each example the sum of the model's
    /// weights over its features (int64 lanes, four to a word; valid when `scored`).
    struct Cache {
        uint256 words;
        uint256 loaded;
        uint256 dirty;
        uint256 bitmapWords;
        uint256 pass;
        int256 intercept;
        uint256 postings;
        uint256 starts;
        uint256 ends;
        uint256 scores;
        uint256 labels;
        uint256 examples;
        bool hasIndex;
        bool scored;
    }

    /// @dev The state one `advance` call works on, in memory, written back once at its end.
    struct Run {
        Entry e;
        Replay r;
        Rounds k;
        Cache c;
    }

    uint256 private constant _MAX_FEATURE_COUNT = 1 << 16;
    uint256 private constant _LANES_PER_WORD = 8;
    int256 private constant _INT32_MAX = type(int32).max;
    uint256 private constant _MAX_PIECE_COUNT = 1024;
    uint256 private constant _MAX_TEST_EXAMPLE_LIMIT = 1 << 20;
    uint256 private constant _MAX_UNIT = type(uint96).max;
    uint256 private constant _MAX_STAKE = 1 << 62;
    uint256 private constant _MAX_ROUND_UNITS = 1 << 62;
    uint256 private constant _MAX_DURATION = type(uint32).max;
    uint256 private constant _MAX_CONTRIBUTIONS = type(uint32).max;
    uint256 private constant _MAX_CONTRIBUTION_FEATURES = 512;
    uint256 private constant _DRAW_WINDOW = 256;
    uint64 private constant _NO_NEGATIVE = type(uint64).max;
    uint256 private constant _CLASS_COUNT = 2;
    /// @dev Record word: `commitment << 97 | dropped << 96 | balance << 32 | uint32(score)`.
    uint256 private constant _COMMITMENT_SHIFT = 97;
    uint256 private constant _DROPPED = 1 << 96;
    uint256 private constant _NO_FAULT = type(uint256).max;
    /// @dev keccak256("collabml.PredictionMarket.model") - 1, as in ERC-7201 namespaces: initial
    /// word `w` at `_MODEL_BASE + w`, scratch word `w` at `_MODEL_BASE + 8,192 + w`, the stamps of
    /// words `8s .. 8s + 7` at `_MODEL_BASE + 16,384 + s` (at most 8,192 words each).
    uint256 private constant _MODEL_BASE = 0xe8dc60e47fcbb89d712f00f5001b9b7203aca264aea3f6e219d6358cb681f2f2;
    uint256 private constant _SCRATCH_OFFSET = 8192;
    uint256 private constant _STAMPS_OFFSET = 16_384;

    /// @inheritdoc IPredictionMarket
    address public immutable sponsor;
    /// @inheritdoc IPredictionMarket
    uint256 public immutable unit;
    /// @inheritdoc IPredictionMarket
    uint256 public immutable testExampleLimit;
    /// @inheritdoc IPredictionMarket
    uint256 public immutable minStake;
    /// @inheritdoc IPredictionMarket
    uint256 public immutable participationLength;
    /// @inheritdoc IPredictionMarket
    uint256 public immutable revealWindow;
    /// @inheritdoc IClassifier
    uint256 public immutable featureCount;
    /// @inheritdoc ISparsePerceptron
    int256 public immutable learningRate;

    IERC20 private immutable _token;
    int256 private immutable _initialIntercept;
    uint256 private immutable _wordCount;

    Entry private _entry;
    Replay private _replay;
    Rounds private _rounds;
    Schedule private _schedule;
    uint256 private _sponsorPot;
    uint256 private _bounty;
    bytes32 private _scoredSetHash;
    bytes32[] private _pieceCommitments;
    mapping(uint256 id => uint256) private _records;
    mapping(address account => Payout) private _payouts;

    /// @param sponsor_ The sponsor: loads the model, opens the market, is paid what the rounds leave.
    /// @param token_ The ERC-20 staked and paid, or the zero address for ether.
    /// @param unit_ Base units per unit of stake and balance, 1 to `type(uint96).max`.
    /// @param featureCount_ The model's feature count, 1 to 65,536.
    /// @param learningRate_ The Perceptron's step, fixed point, 1 to `type(int32).max`.
    /// @param intercept_ The initial model's intercept, fixed point.
    /// @param testExampleLimit_ The most test examples the pieces hold together, 1 to 2^20.
    /// @param minStake_ The smallest stake in units, 1 to 2^62.
    /// @param participationLength_ Seconds of participation, 1 to `type(uint32).max`.
    /// @param revealWindow_ Seconds to reveal, 1 to `type(uint32).max`.
    constructor(
        address sponsor_,
        address token_,
        uint256 unit_,
        uint256 featureCount_,
        int256 learningRate_,
        int64 intercept_,
        uint256 testExampleLimit_,
        uint256 minStake_,
        uint256 participationLength_,
        uint256 revealWindow_
    ) {
        if (featureCount_ == 0 || featureCount_ > _MAX_FEATURE_COUNT) {
            revert FeatureCountOutOfRange(featureCount_, _MAX_FEATURE_COUNT);
        }
        if (learningRate_ <= 0 || learningRate_ > _INT32_MAX) revert LearningRateOutOfRange(learningRate_);
        if (unit_ == 0 || unit_ > _MAX_UNIT) revert UnitOutOfRange(unit_, _MAX_UNIT);
        if (testExampleLimit_ == 0 || testExampleLimit_ > _MAX_TEST_EXAMPLE_LIMIT) {
            revert TestExampleLimitOutOfRange(testExampleLimit_, _MAX_TEST_EXAMPLE_LIMIT);
        }
        if (minStake_ == 0 || minStake_ > _MAX_STAKE) revert MinStakeOutOfRange(minStake_, _MAX_STAKE);
        if (
            participationLength_ == 0 || participationLength_ > _MAX_DURATION || revealWindow_ == 0
                || revealWindow_ > _MAX_DURATION
        ) revert DurationOutOfRange(participationLength_, revealWindow_, _MAX_DURATION);
        sponsor = sponsor_;
        _token = IERC20(token_);
        unit = unit_;
        featureCount = featureCount_;
        learningRate = learningRate_;
        _initialIntercept = intercept_;
        _wordCount = (featureCount_ + _LANES_PER_WORD - 1) / _LANES_PER_WORD;
        testExampleLimit = testExampleLimit_;
        minStake = minStake_;
        participationLength = participationLength_;
        revealWindow = revealWindow_;
        _replay = Replay(0, 0, 0, 0, _NO_NEGATIVE, intercept_);
    }

    // ---- the sponsor ----

    /// @inheritdoc IChunkedModel
    function loadModel(uint256 firstWord, uint256[] calldata words) external nonReentrant {
        if (msg.sender != sponsor) revert CallerNotSponsor(msg.sender);
        uint256 loaded = _rounds.loadedWords;
        if (firstWord != loaded) revert ModelChunkOutOfOrder(loaded, firstWord);
        uint256 end = firstWord + words.length;
        uint256 wordCount = _wordCount;
        if (end > wordCount) revert ModelChunkTooLong(end, wordCount);
        // In bounds: firstWord + i < end <= _wordCount <= 8,192.
        assembly ("memory-safe") {
            for { let i := 0 } lt(i, words.length) { i := add(i, 1) } {
                sstore(add(_MODEL_BASE, add(firstWord, i)), calldataload(add(words.offset, shl(5, i))))
            }
        }
        // Cast is exact: end <= 8,192.
        _rounds.loadedWords = uint32(end);
        emit ModelChunkLoaded(firstWord, words.length, end);
    }

    /// @inheritdoc IPredictionMarket
    function open(uint256 rounds, bytes32[] calldata pieceCommitments) external payable nonReentrant {
        if (msg.sender != sponsor) revert CallerNotSponsor(msg.sender);
        _requirePhase(_entry.phase, Phase.Loading);
        uint256 loaded = _rounds.loadedWords;
        uint256 wordCount = _wordCount;
        if (loaded != wordCount) revert ModelNotLoaded(loaded, wordCount);
        uint256 pieces = pieceCommitments.length;
        if (pieces < 2 || pieces > _MAX_PIECE_COUNT) revert PieceCountOutOfRange(pieces, _MAX_PIECE_COUNT);
        uint256 limit = testExampleLimit;
        uint256 maxRounds = _MAX_ROUND_UNITS / limit;
        if (rounds == 0 || rounds > maxRounds) revert RoundsOutOfRange(rounds, maxRounds);
        // Cannot overflow: rounds * testExampleLimit <= 2^62 and unit < 2^96.
        uint256 bounty = rounds * limit * unit;
        _checkValue(bounty);
        _entry.phase = Phase.Committed;
        _pieceCommitments = pieceCommitments;
        // Casts are exact: rounds <= 2^62, pieces <= 1,024.
        _rounds.roundsLeft = uint64(rounds);
        _rounds.drawnPiece = uint16(pieces);
        _sponsorPot = bounty;
        _bounty = bounty;
        // Casts are exact: block numbers and timestamps fit 64 bits.
        _schedule = Schedule(uint64(block.timestamp), uint64(block.number), 0, 0);
        emit MarketOpened(rounds, bounty, block.number + 1);
        _pullTokens(bounty);
    }

    /// @inheritdoc IPredictionMarket
    function drawPiece() external nonReentrant returns (uint256 index) {
        _requirePhase(_entry.phase, Phase.Committed);
        uint256 drawn = _rounds.drawnPiece;
        uint256 pieces = _pieceCommitments.length;
        if (drawn != pieces) revert PieceAlreadyDrawn(drawn);
        uint256 drawBlock = uint256(_schedule.openBlock) + 1;
        if (block.number <= drawBlock) revert DrawTooEarly(drawBlock + 1, block.number);
        if (block.number > drawBlock + _DRAW_WINDOW) revert DrawExpired(drawBlock + _DRAW_WINDOW, block.number);
        index = uint256(blockhash(drawBlock)) % pieces;
        // Cast is exact: index < pieceCount <= 1,024.
        _rounds.drawnPiece = uint16(index);
        emit PieceDrawn(index);
    }

    /// @inheritdoc IPredictionMarket
    function revealDrawnPiece(bytes32 salt, bytes calldata piece) external nonReentrant {
        _requirePhase(_entry.phase, Phase.Committed);
        uint256 index = _rounds.drawnPiece;
        if (index == _pieceCommitments.length) revert PieceNotDrawn();
        uint256 deadline = uint256(_schedule.openTime) + revealWindow;
        if (block.timestamp >= deadline) revert RevealDeadlinePassed(deadline, block.timestamp);
        (uint256 examples,) = _checkPiece(index, salt, piece, 0);
        // Casts are exact: examples <= 2^20, timestamps and durations (< 2^32) sum within 64 bits.
        _rounds.revealedExamples = uint32(examples);
        _rounds.nextPiece = index == 0 ? 1 : 0;
        uint256 participationEnd = block.timestamp + participationLength;
        uint256 revealDeadline = participationEnd + revealWindow;
        _entry.phase = Phase.Open;
        _entry.participationEnd = uint64(participationEnd);
        _schedule.revealDeadline = uint64(revealDeadline);
        emit PieceRevealed(index, examples, 0, piece);
        emit ParticipationOpened(participationEnd, revealDeadline);
    }

    /// @inheritdoc IPredictionMarket
    function revealPieces(bytes32[] calldata salts, bytes[] calldata pieces) external nonReentrant {
        Entry memory e = _entry;
        _requirePhase(e.phase, Phase.Open);
        if (block.timestamp < e.participationEnd) revert ParticipationNotEnded(e.participationEnd, block.timestamp);
        uint256 deadline = _schedule.revealDeadline;
        if (block.timestamp >= deadline) revert RevealDeadlinePassed(deadline, block.timestamp);
        if (salts.length != pieces.length) revert RevealLengthMismatch(salts.length, pieces.length);
        Rounds memory k = _rounds;
        Replay memory r = _replay;
        bytes32 chain = _scoredSetHash;
        for (uint256 i; i < pieces.length; ++i) {
            chain = _revealScoredPiece(salts[i], pieces[i], k, r, chain);
        }
        _scoredSetHash = chain;
        if (pieces.length != 0 && k.nextPiece == _pieceCommitments.length) {
            if (e.contributionCount == 0) {
                _finish();
            } else {
                _entry.phase = Phase.Replaying;
                _schedule.lastProgress = uint64(block.timestamp);
                r.pass = 1;
                r.correctBefore = r.correctInitial;
            }
        }
        _rounds = k;
        _replay = r;
    }

    /// @inheritdoc IPredictionMarket
    function settleUnrevealed() external nonReentrant {
        Phase phase = _entry.phase;
        Schedule memory s = _schedule;
        uint256 deadline;
        if (phase == Phase.Committed) {
            deadline = uint256(s.openTime) + revealWindow;
        } else if (phase == Phase.Open) {
            deadline = s.revealDeadline;
        } else if (phase == Phase.Replaying) {
            deadline = uint256(s.lastProgress) + revealWindow;
        } else {
            revert WrongPhase(phase);
        }
        if (block.timestamp < deadline) revert RevealDeadlineNotPassed(deadline, block.timestamp);
        emit MarketUnrevealed();
        if (_entry.contributionCount == 0) {
            _finish();
        } else {
            // A stalled replay is undone: the stakes and the whole bounty are shared out again.
            _entry.phase = Phase.Refunding;
            _replay.cursor = 0;
            _sponsorPot = _bounty;
        }
    }

    // ---- contributors ----

    /// @inheritdoc IPredictionMarket
    function contribute(bytes calldata features, uint8 label, uint256 stake)
        external
        payable
        nonReentrant
        returns (uint256 id)
    {
        Entry memory e = _entry;
        _requirePhase(e.phase, Phase.Open);
        if (block.timestamp >= e.participationEnd) revert ParticipationEnded(e.participationEnd, block.timestamp);
        if (label >= _CLASS_COUNT) revert LabelOutOfRange(label, _CLASS_COUNT);
        uint256 least = minStake;
        if (stake < least) revert StakeTooLow(least, stake);
        if (stake > _MAX_STAKE) revert StakeTooHigh(_MAX_STAKE, stake);
        // Cannot overflow: stake <= 2^62 and unit < 2^96.
        uint256 amount = stake * unit;
        _checkValue(amount);
        id = e.contributionCount;
        if (id == _MAX_CONTRIBUTIONS) revert TooManyContributions(_MAX_CONTRIBUTIONS);
        _validateFeatures(features);
        if (features.length > 2 * _MAX_CONTRIBUTION_FEATURES) {
            revert TooManyFeatures(features.length / 2, _MAX_CONTRIBUTION_FEATURES);
        }
        // Casts are exact: id < 2^32 - 1; the total of at most 2^32 stakes of at most 2^62 fits 128 bits.
        e.contributionCount = uint32(id + 1);
        e.totalStake += uint128(stake);
        _entry = e;
        // Cast is exact: stake <= 2^62.
        uint256 commitment =
            uint256(keccak256(abi.encodePacked(msg.sender, label, uint64(stake), features))) >> _COMMITMENT_SHIFT;
        _records[id] = commitment << _COMMITMENT_SHIFT | stake << 32;
        emit ContributionAdded(id, msg.sender, label, stake, features);
        _pullTokens(amount);
    }

    // ---- anyone ----

    /// @inheritdoc IPredictionMarket
    function advance(uint256 maxSteps, bytes[] calldata pieces, bytes[] calldata preimages)
        external
        nonReentrant
        returns (uint256 steps)
    {
        Run memory run;
        run.e = _entry;
        Phase phase = run.e.phase;
        if (phase != Phase.Replaying && phase != Phase.PayingOut && phase != Phase.Refunding) revert WrongPhase(phase);
        run.r = _replay;
        run.k = _rounds;
        if (phase == Phase.Replaying) {
            bytes32 given = _hashPieces(pieces);
            bytes32 expected = _scoredSetHash;
            if (given != expected) revert TestSetMismatch(expected, given);
            run.c = _newCache(run.r.pass, run.r.intercept);
        }
        while (steps < maxSteps && run.e.phase != Phase.Finished) {
            if (steps >= preimages.length) revert ContributionDataMissing(run.r.cursor);
            _step(run, preimages[steps], pieces);
            // Cannot overflow: steps <= preimages.length.
            unchecked {
                ++steps;
            }
        }
        if (run.e.phase == Phase.Replaying) {
            _flush(run.c);
            // Cast is exact: the replay keeps the intercept within int64.
            run.r.intercept = int64(run.c.intercept);
        }
        // Cast is exact: timestamps fit 64 bits.
        if (steps != 0) _schedule.lastProgress = uint64(block.timestamp);
        _entry = run.e;
        _replay = run.r;
        _rounds = run.k;
    }

    /// @inheritdoc IPredictionMarket
    function withdraw() external nonReentrant returns (uint256 amount) {
        _requirePhase(_entry.phase, Phase.Finished);
        Payout memory p = _payouts[msg.sender];
        if (p.withdrawn) revert AlreadyWithdrawn(msg.sender);
        if (p.amount == 0) revert NothingToWithdraw(msg.sender);
        amount = p.amount;
        _payouts[msg.sender] = Payout(0, true);
        emit Withdrawn(msg.sender, amount);
        if (address(_token) == address(0)) {
            (bool ok,) = payable(msg.sender).call{value: amount}("");
            if (!ok) revert PaymentFailed(msg.sender, amount);
        } else {
            _token.safeTransfer(msg.sender, amount);
        }
    }

    // ---- views ----

    /// @inheritdoc IClassifier
    function predict(bytes calldata features) external view returns (uint8 label) {
        uint256 loaded = _rounds.loadedWords;
        uint256 wordCount = _wordCount;
        if (loaded != wordCount) revert ModelNotLoaded(loaded, wordCount);
        _validateFeatures(features);
        Replay memory r = _replay;
        return _scoreCached(_newCache(r.pass, r.intercept), features) > 0 ? 1 : 0;
    }

    /// @inheritdoc IClassifier
    function classCount() external pure returns (uint256) {
        return _CLASS_COUNT;
    }

    /// @inheritdoc IClassifier
    function modelReady() external view returns (bool) {
        return _rounds.loadedWords == _wordCount;
    }

    /// @inheritdoc IChunkedModel
    function loadedWords() external view returns (uint256) {
        return _rounds.loadedWords;
    }

    /// @inheritdoc IChunkedModel
    function modelWordCount() external view returns (uint256) {
        return _wordCount;
    }

    /// @inheritdoc IChunkedModel
    function modelWords(uint256 start, uint256 count) external view returns (uint256[] memory) {
        return _modelWords(start, count, 0);
    }

    /// @inheritdoc IPredictionMarket
    function marketModelWords(uint256 start, uint256 count) external view returns (uint256[] memory) {
        return _modelWords(start, count, _replay.pass);
    }

    /// @inheritdoc ISparsePerceptron
    function intercept() external view returns (int256) {
        return _replay.intercept;
    }

    /// @inheritdoc IPredictionMarket
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IPredictionMarket
    function pieceCount() external view returns (uint256) {
        return _pieceCommitments.length;
    }

    /// @inheritdoc IPredictionMarket
    function pieceCommitment(uint256 index) external view returns (bytes32) {
        return _pieceCommitments[index];
    }

    /// @inheritdoc IPredictionMarket
    function marketState() external view returns (MarketState memory m) {
        Entry memory e = _entry;
        Replay memory r = _replay;
        Rounds memory k = _rounds;
        Schedule memory s = _schedule;
        m.phase = e.phase;
        m.contributionCount = e.contributionCount;
        m.passNumber = r.pass;
        m.cursor = r.cursor;
        m.correctInitial = r.correctInitial;
        m.correctBefore = r.correctBefore;
        m.minRounds = r.minRounds;
        m.roundsLeft = k.roundsLeft;
        m.pendingRounds = k.pendingRounds;
        m.intercept = r.intercept;
        m.drawnPiece = k.drawnPiece;
        m.nextPiece = k.nextPiece;
        m.revealedExamples = k.revealedExamples;
        m.scoredExamples = k.scoredExamples;
        m.totalStake = e.totalStake;
        m.sponsorPot = _sponsorPot;
        m.openTime = s.openTime;
        m.openBlock = s.openBlock;
        m.participationEnd = e.participationEnd;
        m.revealDeadline = s.revealDeadline;
        m.lastProgress = s.lastProgress;
        m.scoredSetHash = _scoredSetHash;
    }

    /// @inheritdoc IPredictionMarket
    function contribution(uint256 id)
        external
        view
        returns (uint256 commitment, bool dropped, uint256 balance, int256 score)
    {
        uint256 record = _records[id];
        return (
            record >> _COMMITMENT_SHIFT,
            record & _DROPPED != 0,
            uint64(record >> 32),
            int32(uint32(record))
        );
    }

    /// @inheritdoc IPredictionMarket
    function payout(address account) external view returns (uint256 amount, bool withdrawn) {
        Payout memory p = _payouts[account];
        return (p.amount, p.withdrawn);
    }

    // ---- internal: money ----

    /// @dev Reverts with `WrongPhase(phase)` unless `phase` is `required`.
    function _requirePhase(Phase phase, Phase required) private pure {
        if (phase != required) revert WrongPhase(phase);
    }

    /// @dev Reverts unless `msg.value` is `amount` (ether market) or 0 (token market).
    function _checkValue(uint256 amount) private view {
        uint256 expected = address(_token) == address(0) ? amount : 0;
        if (msg.value != expected) revert ValueMismatch(expected, msg.value);
    }

    /// @dev Pulls `amount` tokens from the caller (token market), checking the market received exactly them.
    function _pullTokens(uint256 amount) private {
        if (address(_token) == address(0)) return;
        uint256 before = _token.balanceOf(address(this));
        _token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = _token.balanceOf(address(this)) - before;
        if (received != amount) revert TokenAmountMismatch(amount, received);
    }

    /// @dev Credits the sponsor's pot to the sponsor and opens withdrawals (writes the phase to
    /// storage: callers holding the entry in memory set its phase too).
    function _finish() private {
        uint256 amount = _sponsorPot;
        _sponsorPot = 0;
        _credit(sponsor, amount);
        _entry.phase = Phase.Finished;
        emit MarketFinished(amount);
    }

    /// @dev Adds `amount` to what `account` can withdraw.
    function _credit(address account, uint256 amount) private {
        // Cannot overflow 248 bits: everything the market holds is below 2^200 (spec, "Bounds").
        if (amount != 0) _payouts[account].amount += uint248(amount);
    }

    // ---- internal: the replay ----

    /// @dev Visits the contribution at the cursor in the current phase, then moves the cursor on,
    /// ending the pass or the sweep after the last contribution.
    function _step(Run memory run, bytes calldata preimage, bytes[] calldata pieces) private {
        uint256 id = run.r.cursor;
        if (run.e.phase == Phase.Replaying) {
            _replayStep(id, preimage, run, pieces);
        } else if (run.e.phase == Phase.PayingOut) {
            _payStep(id, preimage, run.k);
        } else {
            _refundStep(id, preimage, run.e);
        }
        // Cast is exact: id < contributionCount < 2^32.
        run.r.cursor = uint32(id + 1);
        if (id + 1 == run.e.contributionCount) _endRound(run.e, run.r, run.k, run.c);
    }

    /// @dev One replay step on contribution `id`: apply the last pass's rounds to its balance, drop
    /// it if it cannot pay another round, else replay it on the cached model and score it.
    function _replayStep(uint256 id, bytes calldata preimage, Run memory run, bytes[] calldata pieces) private {
        Replay memory r = run.r;
        uint256 record = _records[id];
        if (record & _DROPPED != 0) return;
        _checkPreimage(id, record, preimage);
        int256 score = int32(uint32(record));
        // Cannot overflow: |score| <= 2^20, pendingRounds <= 2^62, balance < 2^64. Not negative:
        // the rounds of a pass are at most balance / -score for every negative score in it.
        int256 balance = int256(uint256(uint64(record >> 32))) + score * int256(uint256(run.k.pendingRounds));
        uint256 kept = record >> _COMMITMENT_SHIFT << _COMMITMENT_SHIFT;
        if (score < 0 && balance < -score) {
            _records[id] = kept | _DROPPED | uint256(balance) << 32 | uint32(record);
            emit ContributionDropped(id, uint256(balance));
            return;
        }
        int256 newScore;
        if (_replayContribution(run, preimage[29:], uint8(preimage[20]), pieces)) {
            uint256 correct = _countCorrect(run.c);
            newScore = int256(correct) - int256(uint256(r.correctBefore));
            // Cast is exact: correct <= 2^20.
            r.correctBefore = uint32(correct);
        }
        if (newScore < 0) {
            uint256 rounds = uint256(balance) / uint256(-newScore);
            // Cast is exact: rounds <= balance < 2^64 and it is below minRounds.
            if (rounds < r.minRounds) r.minRounds = uint64(rounds);
        }
        // Casts are exact: 0 <= balance < 2^64, |newScore| <= 2^20 (stored as int32 bits).
        _records[id] = kept | uint256(balance) << 32 | uint32(uint256(newScore));
    }

    /// @dev One payout step: credits contribution `id`'s balance (with the pending rounds if live).
    function _payStep(uint256 id, bytes calldata preimage, Rounds memory k) private {
        uint256 record = _records[id];
        _checkPreimage(id, record, preimage);
        uint256 balance = uint64(record >> 32);
        if (record & _DROPPED == 0) {
            // Not negative and no overflow, as in `_replayStep`.
            balance = uint256(int256(balance) + int256(int32(uint32(record))) * int256(uint256(k.pendingRounds)));
        }
        _settle(id, preimage, balance * unit);
    }

    /// @dev One refund step: credits contribution `id`'s stake (from its preimage: a stalled replay
    /// may have moved its balance) and its share of the bounty.
    function _refundStep(uint256 id, bytes calldata preimage, Entry memory e) private {
        _checkPreimage(id, _records[id], preimage);
        uint256 stake = uint64(bytes8(preimage[21:29]));
        // Cannot overflow: bounty < 2^158, stake <= 2^62; rounded down, the rest stays in the pot.
        uint256 share = _bounty * stake / e.totalStake;
        _settle(id, preimage, stake * unit + share);
        // Cannot underflow: the shares of all stakes sum to at most the bounty.
        _sponsorPot -= share;
    }

    /// @dev Deletes record `id` and credits `amount` to the contributor named by its preimage.
    function _settle(uint256 id, bytes calldata preimage, uint256 amount) private {
        address contributor = address(bytes20(preimage[:20]));
        delete _records[id];
        _credit(contributor, amount);
        emit ContributionSettled(id, contributor, amount);
    }

    /// @dev After the last contribution of a pass or a sweep: run the pass's rounds and start the
    /// next pass or the payout; or, after a sweep, credit the sponsor and finish.
    function _endRound(Entry memory e, Replay memory r, Rounds memory k, Cache memory c) private {
        r.cursor = 0;
        if (e.phase != Phase.Replaying) {
            _finish();
            e.phase = Phase.Finished;
            return;
        }
        bool negative = r.minRounds != _NO_NEGATIVE;
        uint256 rounds = k.roundsLeft;
        if (negative && r.minRounds < rounds) rounds = r.minRounds;
        // Cannot overflow: |correct change| <= 2^20, rounds <= 2^62, unit < 2^96. Not negative:
        // the rounds of all passes pay at most rounds * scoredExamples <= the bounty (spec).
        _sponsorPot = uint256(
            int256(_sponsorPot)
                - (int256(uint256(r.correctBefore)) - int256(uint256(r.correctInitial))) * int256(rounds)
                    * int256(unit)
        );
        // Casts are exact: rounds <= roundsLeft < 2^62.
        k.roundsLeft -= uint64(rounds);
        k.pendingRounds = uint64(rounds);
        emit PassCompleted(r.pass, r.correctBefore, rounds, k.roundsLeft);
        if (!negative || k.roundsLeft == 0) {
            e.phase = Phase.PayingOut;
            _flush(c);
            // Cast is exact: the replay keeps the intercept within int64.
            r.intercept = int64(c.intercept);
        } else {
            // Cannot overflow: a pass drops at least one contribution, so passes <= contributions < 2^32.
            ++r.pass;
            r.correctBefore = r.correctInitial;
            r.minRounds = _NO_NEGATIVE;
            r.intercept = int64(_initialIntercept);
            _resetCache(c, r.pass, _initialIntercept);
        }
    }

    /// @dev Reverts with `ContributionMismatch` unless `preimage` hashes to the record's commitment.
    function _checkPreimage(uint256 id, uint256 record, bytes calldata preimage) private pure {
        if (uint256(keccak256(preimage)) >> _COMMITMENT_SHIFT != record >> _COMMITMENT_SHIFT) {
            revert ContributionMismatch(id);
        }
    }

    /// @dev The hash chain of `pieces`: `h = keccak256(abi.encode(h, keccak256(piece)))` from 0.
    function _hashPieces(bytes[] calldata pieces) private pure returns (bytes32 chain) {
        for (uint256 i; i < pieces.length; ++i) {
            chain = keccak256(abi.encode(chain, keccak256(pieces[i])));
        }
    }

    /// @dev Reveals the next scored piece: checks it, counts what the initial model gets right,
    /// moves `nextPiece` past it (and past the drawn piece); returns the hash chain extended by it.
    function _revealScoredPiece(
        bytes32 salt,
        bytes calldata piece,
        Rounds memory k,
        Replay memory r,
        bytes32 chain
    ) private returns (bytes32) {
        uint256 index = k.nextPiece;
        uint256 pieces = _pieceCommitments.length;
        if (index >= pieces) revert PieceIndexOutOfRange(index, pieces);
        (uint256 examples, uint256 correct) = _checkPiece(index, salt, piece, k.revealedExamples);
        // Casts are exact: every count is at most testExampleLimit <= 2^20, index + 2 <= 1,025.
        k.revealedExamples += uint32(examples);
        k.scoredExamples += uint32(examples);
        r.correctInitial += uint32(correct);
        uint256 next = index + 1;
        if (next == k.drawnPiece) ++next;
        k.nextPiece = uint16(next);
        emit PieceRevealed(index, examples, correct, piece);
        return keccak256(abi.encode(chain, keccak256(piece)));
    }

    /// @dev Checks a revealed piece against its commitment, its format and the size limit (with
    /// `revealed` examples revealed before it); returns its example count, and how many of them
    /// the initial model gets right.
    function _checkPiece(uint256 index, bytes32 salt, bytes calldata piece, uint256 revealed)
        private
        view
        returns (uint256 examples, uint256 correct)
    {
        if (keccak256(abi.encodePacked(salt, piece)) != _pieceCommitments[index]) revert PieceMismatch(index);
        (examples, correct) = _scorePiece(index, piece);
        uint256 total = revealed + examples;
        uint256 limit = testExampleLimit;
        if (total > limit) revert TestSetTooLarge(total, limit);
    }

    // ---- internal: features and the model ----

    /// @dev Reverts with the IClassifier errors unless `features` are packed, strictly increasing
    /// indices below `featureCount` (SPEC.md §1).
    function _validateFeatures(bytes calldata features) private view {
        uint256 length = features.length;
        if (length & 1 != 0) revert FeaturesMalformed(length);
        uint256 featureCount_ = featureCount;
        uint256 failure; // 0: none, 1: not sorted, 2: out of range
        uint256 position;
        uint256 next; // the smallest index allowed next: the previous one plus one
        uint256 index;
        assembly ("memory-safe") {
            let ptr := features.offset
            let end := add(ptr, length)
            for {} lt(ptr, end) { ptr := add(ptr, 2) } {
                index := shr(240, calldataload(ptr))
                if lt(index, next) {
                    failure := 1
                    break
                }
                if iszero(lt(index, featureCount_)) {
                    failure := 2
                    break
                }
                next := add(index, 1)
            }
            position := shr(1, sub(ptr, features.offset))
        }
        if (failure == 1) revert FeaturesNotSorted(position, next - 1, index);
        if (failure == 2) revert FeatureOutOfRange(index, featureCount_);
    }

    /// @dev Model word `w` as the market's model has it: the scratch word if stamped with `pass`
    /// (and `pass` is not 0), else the initial word.
    function _currentWord(uint256 w, uint256 pass) private view returns (uint256 word) {
        // In bounds: callers keep w < _wordCount <= 8,192, far from the end of the slot space.
        assembly ("memory-safe") {
            let slot := add(_MODEL_BASE, w)
            if pass {
                let stamps := sload(add(_MODEL_BASE, add(_STAMPS_OFFSET, shr(3, w))))
                if eq(and(shr(shl(5, and(w, 7)), stamps), 0xffffffff), pass) { slot := add(slot, _SCRATCH_OFFSET) }
            }
            word := sload(slot)
        }
    }

    /// @dev Model words `start .. start + count - 1` as the model of `pass` has them (0: the
    /// initial ones), or `ModelChunkTooLong` if they do not all exist.
    function _modelWords(uint256 start, uint256 count, uint256 pass) private view returns (uint256[] memory words) {
        uint256 end;
        // A wrapped sum is caught by `end < start`.
        unchecked {
            end = start + count;
        }
        uint256 wordCount = _wordCount;
        if (end < start || end > wordCount) revert ModelChunkTooLong(end, wordCount);
        words = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            words[i] = _currentWord(start + i, pass);
        }
    }

    /// @dev A memory model for `pass` with nothing loaded yet.
    function _newCache(uint256 pass, int256 intercept_) private view returns (Cache memory c) {
        uint256 wordCount = _wordCount;
        uint256 bitmapWords = (wordCount + 255) >> 8;
        c.words = _dataOf(new uint256[](wordCount));
        c.loaded = _dataOf(new uint256[](bitmapWords));
        c.dirty = _dataOf(new uint256[](bitmapWords));
        c.bitmapWords = bitmapWords;
        c.pass = pass;
        c.intercept = intercept_;
    }

    /// @dev Forgets every cached word (without writing them) and switches to `pass`.
    function _resetCache(Cache memory c, uint256 pass, int256 intercept_) private pure {
        uint256 loaded = c.loaded;
        uint256 dirty = c.dirty;
        uint256 n = c.bitmapWords;
        assembly ("memory-safe") {
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                mstore(add(loaded, shl(5, i)), 0)
                mstore(add(dirty, shl(5, i)), 0)
            }
        }
        c.pass = pass;
        c.intercept = intercept_;
        c.scored = false;
    }

    /// @dev Writes the changed cached words to the scratch run, stamped with the cache's pass.
    function _flush(Cache memory c) private {
        uint256 words = c.words;
        uint256 dirty = c.dirty;
        uint256 n = c.bitmapWords;
        uint256 pass = c.pass;
        // In bounds: every dirty bit is that of a word below _wordCount <= 8,192.
        assembly ("memory-safe") {
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let bitsPtr := add(dirty, shl(5, i))
                let bits := mload(bitsPtr)
                for { let j := 0 } bits {
                    j := add(j, 1)
                    bits := shr(1, bits)
                } {
                    if and(bits, 1) {
                        let w := add(shl(8, i), j)
                        sstore(add(_MODEL_BASE, add(_SCRATCH_OFFSET, w)), mload(add(words, shl(5, w))))
                        let stampSlot := add(_MODEL_BASE, add(_STAMPS_OFFSET, shr(3, w)))
                        let shift := shl(5, and(w, 7))
                        sstore(stampSlot, or(and(sload(stampSlot), not(shl(shift, 0xffffffff))), shl(shift, pass)))
                    }
                }
                mstore(bitsPtr, 0)
            }
        }
    }

    /// @dev Replays one contribution on the cached model, as `SparsePerceptron._train` does: if the
    /// model's prediction differs from `label`, every present weight moves by the signed learning
    /// rate, saturating at the int32 bounds, and so does the intercept at the int64 bounds; the
    /// examples' scores move with the weights. The features were validated by `contribute` (the
    /// record's commitment proves they are the same).
    /// @return updated Whether the model changed.
    function _replayContribution(Run memory run, bytes calldata features, uint256 label, bytes[] calldata pieces)
        private
        view
        returns (bool updated)
    {
        Cache memory c = run.c;
        if ((_scoreCached(c, features) > 0 ? 1 : 0) == label) return false;
        if (!c.hasIndex) _buildIndex(c, pieces, run.k.scoredExamples);
        if (!c.scored) _scoreExamples(c);
        int256 step = label == 1 ? learningRate : -learningRate;
        _stepCached(c, features, step);
        // Cannot overflow: |intercept| <= 2^63 and |step| < 2^31; saturates at the int64 bounds.
        int256 b = c.intercept + step;
        if (b > type(int64).max) b = type(int64).max;
        if (b < type(int64).min) b = type(int64).min;
        c.intercept = b;
        return true;
    }

    /// @dev `c.intercept` plus the cached weights of the present features, loading every word the
    /// features touch into the cache. Sorted features that share a word are adjacent: each word is
    /// looked up once.
    function _scoreCached(Cache memory c, bytes calldata features) private view returns (int256 score) {
        uint256 words = c.words;
        uint256 loaded = c.loaded;
        uint256 pass = c.pass;
        score = c.intercept;
        assembly ("memory-safe") {
            let end := add(features.offset, features.length)
            let lastWord := not(0)
            let word := 0
            for { let ptr := features.offset } lt(ptr, end) { ptr := add(ptr, 2) } {
                let index := shr(240, calldataload(ptr))
                let w := shr(3, index)
                if iszero(eq(w, lastWord)) {
                    lastWord := w
                    let flagPtr := add(loaded, shl(5, shr(8, w)))
                    switch and(mload(flagPtr), shl(and(w, 0xff), 1))
                    case 0 {
                        // In bounds: the features were validated, so w < _wordCount.
                        let slot := add(_MODEL_BASE, w)
                        if pass {
                            let stamps := sload(add(_MODEL_BASE, add(_STAMPS_OFFSET, shr(3, w))))
                            if eq(and(shr(shl(5, and(w, 7)), stamps), 0xffffffff), pass) { slot := add(slot, _SCRATCH_OFFSET) }
                        }
                        word := sload(slot)
                        mstore(add(words, shl(5, w)), word)
                        mstore(flagPtr, or(mload(flagPtr), shl(and(w, 0xff), 1)))
                    }
                    default { word := mload(add(words, shl(5, w))) }
                }
                // Cannot overflow: at most 65,536 int32 terms and an int64 start.
                score := add(score, signextend(3, shr(shl(5, and(index, 7)), word)))
            }
        }
    }

    /// @dev Adds `step` to the cached weight of every present feature, saturating at the int32
    /// bounds, marks the words dirty, and adds each weight's change to the scores of the examples
    /// that have the feature. `_scoreCached` loaded every word these features touch; they are
    /// sorted, so the features of one word are adjacent and each word is rewritten once.
    function _stepCached(Cache memory c, bytes calldata features, int256 step) private pure {
        uint256 words = c.words;
        assembly ("memory-safe") {
            // Adds `delta` to the score of every example filed under feature `i` in the index of
            // cache `cache` (fields: postings at 0xc0, starts 0xe0, ends 0x100, scores 0x120).
            // Cannot overflow: a score is a sum of at most 65,535 int32 weights, within int64.
            function moveScores(cache, i, delta) {
                let postings := mload(add(cache, 0xc0))
                let scores := mload(add(cache, 0x120))
                let shift := shl(5, and(i, 7))
                let offset := shl(5, shr(3, i))
                let limit := and(shr(shift, mload(add(mload(add(cache, 0x100)), offset))), 0xffffffff)
                for { let k := and(shr(shift, mload(add(mload(add(cache, 0xe0)), offset))), 0xffffffff) } lt(k, limit) {
                    k := add(k, 1)
                } {
                    let t := and(shr(shl(5, and(k, 7)), mload(add(postings, shl(5, shr(3, k))))), 0xffffffff)
                    let at := add(scores, shl(5, shr(2, t)))
                    let laneShift := shl(6, and(t, 3))
                    let word := mload(at)
                    let score := add(signextend(7, shr(laneShift, word)), delta)
                    word := and(word, not(shl(laneShift, 0xffffffffffffffff)))
                    mstore(at, or(word, shl(laneShift, and(score, 0xffffffffffffffff))))
                }
            }
            // `word` with the weight of feature `i` moved by `delta`, saturating at the int32 bounds;
            // the examples with the feature get the weight's actual change. Cannot overflow:
            // |weight| < 2^31 and 0 < |delta| < 2^31.
            function stepWeight(cache, word, i, delta) -> result {
                let shift := shl(5, and(i, 7))
                let old := signextend(3, shr(shift, word))
                let weight := add(old, delta)
                if sgt(weight, 0x7fffffff) { weight := 0x7fffffff }
                if slt(weight, not(0x7fffffff)) { weight := not(0x7fffffff) }
                result := or(and(word, not(shl(shift, 0xffffffff))), shl(shift, and(weight, 0xffffffff)))
                if iszero(eq(weight, old)) { moveScores(cache, i, sub(weight, old)) }
            }
            let end := add(features.offset, features.length)
            for { let ptr := features.offset } lt(ptr, end) {} {
                let i := shr(240, calldataload(ptr))
                let w := shr(3, i)
                let word := mload(add(words, shl(5, w)))
                for {} 1 {} {
                    word := stepWeight(c, word, i, step)
                    ptr := add(ptr, 2)
                    if iszero(lt(ptr, end)) { break }
                    i := shr(240, calldataload(ptr))
                    if iszero(eq(shr(3, i), w)) { break }
                }
                mstore(add(words, shl(5, w)), word)
                let dirtyPtr := add(mload(add(c, 0x40)), shl(5, shr(8, w)))
                mstore(dirtyPtr, or(mload(dirtyPtr), shl(and(w, 0xff), 1)))
            }
        }
    }

    /// @dev Validates a revealed piece (reverting with `TestPieceMalformed(index, offset)` at the
    /// first fault) and counts its examples and those the initial model predicts right. A reveal
    /// happens once per piece, so the initial words are read from storage, not cached.
    function _scorePiece(uint256 index, bytes calldata piece)
        private
        view
        returns (uint256 examples, uint256 correct)
    {
        uint256 featureCount_ = featureCount;
        int256 b = _initialIntercept;
        uint256 fault = _NO_FAULT;
        assembly ("memory-safe") {
            let end := add(piece.offset, piece.length)
            let ptr := piece.offset
            for {} lt(ptr, end) {} {
                let label := shr(248, calldataload(ptr))
                let exampleEnd := add(add(ptr, 3), shl(1, and(shr(232, calldataload(ptr)), 0xffff)))
                // Bytes past the piece read as anything: the length checks come first.
                if or(gt(add(ptr, 3), end), or(gt(label, 1), gt(exampleEnd, end))) {
                    fault := sub(ptr, piece.offset)
                    break
                }
                ptr := add(ptr, 3)
                let score := b
                let next := 0
                let lastWord := not(0)
                let word := 0
                for {} lt(ptr, exampleEnd) { ptr := add(ptr, 2) } {
                    let i := shr(240, calldataload(ptr))
                    if or(lt(i, next), iszero(lt(i, featureCount_))) {
                        fault := sub(ptr, piece.offset)
                        break
                    }
                    next := add(i, 1)
                    if iszero(eq(shr(3, i), lastWord)) {
                        lastWord := shr(3, i)
                        // In bounds: i < featureCount_, so the word index is below _wordCount.
                        word := sload(add(_MODEL_BASE, lastWord))
                    }
                    // Cannot overflow: at most 65,535 int32 terms and an int64 start.
                    score := add(score, signextend(3, shr(shl(5, and(i, 7)), word)))
                }
                if iszero(eq(fault, not(0))) { break }
                examples := add(examples, 1)
                correct := add(correct, eq(sgt(score, 0), label))
            }
        }
        if (fault != _NO_FAULT) revert TestPieceMalformed(index, fault);
    }

    /// @dev Builds the inverted index of the scored pieces (valid: their hash is in the chain) in
    /// memory, by a counting sort: count each feature's examples (into `ends`), turn the counts into
    /// starting offsets (`starts`, and `ends` as the next free posting), then file each example under
    /// each of its features. Also reads the labels.
    function _buildIndex(Cache memory c, bytes[] calldata pieces, uint256 examples) private pure {
        uint256 entries;
        for (uint256 i; i < pieces.length; ++i) {
            // Bounds the feature entries: each takes 2 bytes.
            entries += pieces[i].length / 2;
        }
        uint256 wordCount = _wordCountOf(c);
        uint256[] memory postings = new uint256[](entries / _LANES_PER_WORD + 1);
        uint256[] memory starts = new uint256[](wordCount);
        uint256[] memory ends = new uint256[](wordCount);
        uint256[] memory scores = new uint256[](examples / 4 + 1);
        uint256[] memory labels = new uint256[](examples / 256 + 1);
        c.postings = _dataOf(postings);
        c.starts = _dataOf(starts);
        c.ends = _dataOf(ends);
        c.scores = _dataOf(scores);
        c.labels = _dataOf(labels);
        c.examples = examples;
        uint256 example;
        for (uint256 i; i < pieces.length; ++i) {
            example = _countPostings(c, pieces[i], example);
        }
        _startPostings(c, wordCount);
        example = 0;
        for (uint256 i; i < pieces.length; ++i) {
            example = _fillPostings(c, pieces[i], example);
        }
        c.hasIndex = true;
    }

    /// @dev Where the elements of memory array `array` start.
    function _dataOf(uint256[] memory array) private pure returns (uint256 data) {
        assembly ("memory-safe") {
            data := add(array, 0x20)
        }
    }

    /// @dev The number of model words: the length of the cache's word array (read from memory, so
    /// that the index functions stay pure).
    function _wordCountOf(Cache memory c) private pure returns (uint256 wordCount) {
        // The length word of the array sits just before its elements.
        uint256 words = c.words;
        assembly ("memory-safe") {
            wordCount := mload(sub(words, 0x20))
        }
    }

    /// @dev Counting pass of `_buildIndex` over one piece: adds one to lane `i` of `ends` for each
    /// entry of feature `i`, sets the label bits; returns the number of the piece's next example.
    function _countPostings(Cache memory c, bytes calldata piece, uint256 example) private pure returns (uint256) {
        uint256 ends = c.ends;
        uint256 labels = c.labels;
        // Cannot overflow: a lane counts at most 2^20 examples, far below 2^32.
        assembly ("memory-safe") {
            let ptr := piece.offset
            let end := add(ptr, piece.length)
            for {} lt(ptr, end) { example := add(example, 1) } {
                let header := calldataload(ptr)
                let exampleEnd := add(add(ptr, 3), shl(1, and(shr(232, header), 0xffff)))
                if shr(248, header) {
                    let at := add(labels, shl(5, shr(8, example)))
                    mstore(at, or(mload(at), shl(and(example, 0xff), 1)))
                }
                for { ptr := add(ptr, 3) } lt(ptr, exampleEnd) { ptr := add(ptr, 2) } {
                    let i := shr(240, calldataload(ptr))
                    let at := add(ends, shl(5, shr(3, i)))
                    mstore(at, add(mload(at), shl(shl(5, and(i, 7)), 1)))
                }
            }
        }
        return example;
    }

    /// @dev Turns the counts in `ends` into each feature's first posting, in `starts` and in `ends`.
    function _startPostings(Cache memory c, uint256 wordCount) private pure {
        uint256 starts = c.starts;
        uint256 ends = c.ends;
        // Cannot overflow: `next` counts feature entries, fewer than 2^32.
        assembly ("memory-safe") {
            let next := 0
            let ones := 0x0000000100000001000000010000000100000001000000010000000100000001
            for { let w := 0 } lt(w, wordCount) { w := add(w, 1) } {
                let counts := mload(add(ends, shl(5, w)))
                let first := mul(next, ones) // every lane `next`: the features of an empty word
                if counts {
                    first := 0
                    for { let shift := 0 } lt(shift, 256) { shift := add(shift, 32) } {
                        first := or(first, shl(shift, next))
                        next := add(next, and(shr(shift, counts), 0xffffffff))
                    }
                }
                mstore(add(starts, shl(5, w)), first)
                mstore(add(ends, shl(5, w)), first)
            }
        }
    }

    /// @dev Filling pass of `_buildIndex` over one piece: files each example under each of its
    /// features at the feature's next free posting; returns the number of the next example.
    function _fillPostings(Cache memory c, bytes calldata piece, uint256 example) private pure returns (uint256) {
        uint256 postings = c.postings;
        uint256 ends = c.ends;
        // Cannot overflow: a lane holds a posting offset below 2^32, an example number below 2^20.
        assembly ("memory-safe") {
            let ptr := piece.offset
            let end := add(ptr, piece.length)
            for {} lt(ptr, end) { example := add(example, 1) } {
                let exampleEnd := add(add(ptr, 3), shl(1, and(shr(232, calldataload(ptr)), 0xffff)))
                for { ptr := add(ptr, 3) } lt(ptr, exampleEnd) { ptr := add(ptr, 2) } {
                    let i := shr(240, calldataload(ptr))
                    let at := add(ends, shl(5, shr(3, i)))
                    let shift := shl(5, and(i, 7))
                    let word := mload(at)
                    let k := and(shr(shift, word), 0xffffffff)
                    mstore(at, add(word, shl(shift, 1)))
                    let posting := add(postings, shl(5, shr(3, k)))
                    mstore(posting, or(mload(posting), shl(shl(5, and(k, 7)), example)))
                }
            }
        }
        return example;
    }

    /// @dev Sets every example's score to the sum of the cached model's weights over its features,
    /// feature by feature through the index (loading each model word the test set reads once).
    function _scoreExamples(Cache memory c) private view {
        uint256 scores = c.scores;
        uint256 scoreWords = c.examples / 4 + 1;
        assembly ("memory-safe") {
            for { let q := 0 } lt(q, scoreWords) { q := add(q, 1) } { mstore(add(scores, shl(5, q)), 0) }
        }
        uint256 wordCount = _wordCountOf(c);
        uint256 starts = c.starts;
        uint256 ends = c.ends;
        for (uint256 w; w < wordCount; ++w) {
            uint256 first;
            uint256 limits;
            // In bounds: w < wordCount, the length of `starts` and `ends`.
            assembly ("memory-safe") {
                first := mload(add(starts, shl(5, w)))
                limits := mload(add(ends, shl(5, w)))
            }
            // Some feature of word w is in the test set.
            if (first != limits) _scoreWord(c, _cachedWord(c, w), first, limits);
        }
        c.scored = true;
    }

    /// @dev Model word `w` from the cache, loaded first if need be: the scratch word if stamped with
    /// the cache's pass, else the initial one.
    function _cachedWord(Cache memory c, uint256 w) private view returns (uint256 word) {
        uint256 words = c.words;
        uint256 loaded = c.loaded;
        uint256 pass = c.pass;
        // In bounds: callers keep w < _wordCount.
        assembly ("memory-safe") {
            let flagPtr := add(loaded, shl(5, shr(8, w)))
            let bit := shl(and(w, 0xff), 1)
            switch and(mload(flagPtr), bit)
            case 0 {
                let slot := add(_MODEL_BASE, w)
                if pass {
                    let stamps := sload(add(_MODEL_BASE, add(_STAMPS_OFFSET, shr(3, w))))
                    if eq(and(shr(shl(5, and(w, 7)), stamps), 0xffffffff), pass) { slot := add(slot, _SCRATCH_OFFSET) }
                }
                word := sload(slot)
                mstore(add(words, shl(5, w)), word)
                mstore(flagPtr, or(mload(flagPtr), bit))
            }
            default { word := mload(add(words, shl(5, w))) }
        }
    }

    /// @dev Adds each of the eight weights of model word `word` to the scores of the examples filed
    /// under its feature: postings `first` to `limits`, lane by lane.
    function _scoreWord(Cache memory c, uint256 word, uint256 first, uint256 limits) private pure {
        uint256 postings = c.postings;
        uint256 scores = c.scores;
        // Cannot overflow: a score is a sum of at most 65,535 int32 weights, within int64.
        assembly ("memory-safe") {
            for { let shift := 0 } lt(shift, 256) { shift := add(shift, 32) } {
                let weight := signextend(3, shr(shift, word))
                let limit := and(shr(shift, limits), 0xffffffff)
                for { let k := and(shr(shift, first), 0xffffffff) } lt(k, limit) { k := add(k, 1) } {
                    let t := and(shr(shl(5, and(k, 7)), mload(add(postings, shl(5, shr(3, k))))), 0xffffffff)
                    let at := add(scores, shl(5, shr(2, t)))
                    let laneShift := shl(6, and(t, 3))
                    let scoreWord := mload(at)
                    let score := add(signextend(7, shr(laneShift, scoreWord)), weight)
                    scoreWord := and(scoreWord, not(shl(laneShift, 0xffffffffffffffff)))
                    mstore(at, or(scoreWord, shl(laneShift, and(score, 0xffffffffffffffff))))
                }
            }
        }
    }

    /// @dev How many scored examples the cached model predicts right: score plus intercept above 0
    /// means class 1. Four examples (one score word, four label bits) at a time.
    function _countCorrect(Cache memory c) private pure returns (uint256 correct) {
        uint256 scores = c.scores;
        uint256 labels = c.labels;
        uint256 examples = c.examples;
        int256 b = c.intercept;
        // Cannot overflow: |score| < 2^47 and |intercept| <= 2^63.
        assembly ("memory-safe") {
            let full := shr(2, examples)
            for { let q := 0 } lt(q, full) { q := add(q, 1) } {
                let word := mload(add(scores, shl(5, q)))
                // Examples 4q .. 4q + 3 have adjacent label bits in one labels word (256 = 4 * 64).
                let bits := shr(and(shl(2, q), 0xff), mload(add(labels, shl(5, shr(6, q)))))
                correct := add(correct, eq(sgt(add(signextend(7, word), b), 0), and(bits, 1)))
                correct := add(correct, eq(sgt(add(signextend(7, shr(64, word)), b), 0), and(shr(1, bits), 1)))
                correct := add(correct, eq(sgt(add(signextend(7, shr(128, word)), b), 0), and(shr(2, bits), 1)))
                correct := add(correct, eq(sgt(add(signextend(7, shr(192, word)), b), 0), and(shr(3, bits), 1)))
            }
            for { let t := shl(2, full) } lt(t, examples) { t := add(t, 1) } {
                let score := signextend(7, shr(shl(6, and(t, 3)), mload(add(scores, shl(5, shr(2, t))))))
                let label := and(shr(and(t, 0xff), mload(add(labels, shl(5, shr(8, t))))), 1)
                correct := add(correct, eq(sgt(add(score, b), 0), label))
            }
        }
    }
}
