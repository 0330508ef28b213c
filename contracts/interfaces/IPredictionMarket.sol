// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ISparsePerceptron} from "./ISparsePerceptron.sol";

/// @title IPredictionMarket
/// @notice A prediction market for a binary sparse Perceptron, after Abernethy & Frongillo (2011),
/// "A Collaborative Mechanism for Crowdsourcing Prediction Problems" (SPEC.md §12).
/// A sponsor commits to a test set cut into pieces and pays a bounty of reward rounds; one piece,
/// drawn after the commitment, is revealed at once to prove the test set is real. Contributors then
/// stake on labelled examples without changing the model. After the sponsor reveals the other
/// pieces, anyone replays the contributions in order from the initial model, in batches: each
/// contribution's score is the change in the number of test examples the model gets right. While
/// some score is negative, rounds are run until the first contribution cannot pay another round,
/// balances move by `score * rounds` and the exhausted contributions are dropped before the next
/// replay; once no score is negative, the remaining rounds are paid. Everyone withdraws what they
/// are owed; the contract always holds exactly what it still owes.
/// @dev Amounts are counted in units of `unit()` base units of the asset (wei, or the token's
/// smallest unit); stakes and contribution balances are whole units. Test pieces are packed bytes:
/// each example is a `uint8` label (0 or 1), a big-endian `uint16` feature count `n`, then `n`
/// big-endian `uint16` feature indices, strictly increasing and below `featureCount()`. A piece's
/// commitment is `keccak256(abi.encodePacked(bytes32 salt, bytes piece))`. A contribution's record
/// commits to `abi.encodePacked(address contributor, uint8 label, uint64 stake, bytes features)`,
/// its "preimage", which the replay resends. The model views (`predict`, `intercept`,
/// `marketModelWords`) show the market's current model: the initial one until the replay, then the
/// replayed one, finally the model trained on the contributions of the last pass; `modelWords`
/// shows the initial words.
interface IPredictionMarket is ISparsePerceptron {
    /// @notice The market's life: model loading, commitment (draw and reveal of one piece), open
    /// (participation, then the reveal of the other pieces), replay, payout or refund sweep, finished.
    enum Phase {
        Loading,
        Committed,
        Open,
        Replaying,
        PayingOut,
        Refunding,
        Finished
    }

    /// @notice Everything the market keeps besides the model, the records and the payouts.
    /// @param phase The stored phase (the participation and reveal periods of `Open` follow from the clock).
    /// @param contributionCount The number of contributions; the next id.
    /// @param passNumber The replay pass (1 = the first; 0 before the replay).
    /// @param cursor The next contribution id the replay or a sweep visits.
    /// @param correctInitial How many scored test examples the initial model gets right.
    /// @param correctBefore How many the replayed model got right before the contribution at `cursor`.
    /// @param minRounds The fewest rounds a contribution scored negatively in this pass can pay
    /// (`balance / -score`); `type(uint64).max` while no score of this pass is negative.
    /// @param roundsLeft Reward rounds not yet run.
    /// @param pendingRounds Rounds run at the end of the last pass, still to be added to the balances
    /// of the contributions that were live in it (done as the next pass or the payout visits them).
    /// @param intercept The intercept of the replayed model (the initial one before the replay).
    /// @param drawnPiece The index of the piece revealed first (`pieceCount()` until it is drawn, so 0
    /// before `open`).
    /// @param nextPiece The next piece the sponsor must reveal (`pieceCount()` when all are revealed).
    /// @param revealedExamples Test examples revealed so far, the drawn piece included.
    /// @param scoredExamples Test examples in the revealed scored pieces (all but the drawn one).
    /// @param totalStake The sum of all stakes, in units.
    /// @param sponsorPot Base units held for the sponsor: the bounty, less what the rounds paid so far
    /// (more when they took stakes), or what a refund sweep has not yet handed out.
    /// @param openTime The timestamp of `open`.
    /// @param openBlock The block of `open`; the piece is drawn from the hash of the next block.
    /// @param participationEnd The first timestamp at which contributions are refused.
    /// @param revealDeadline The first timestamp at which the pieces can no longer be revealed.
    /// @param lastProgress When the replay last moved (its start, or an `advance` that did a step);
    /// `settleUnrevealed` abandons a replay stalled since `lastProgress + revealWindow`.
    /// @param scoredSetHash The hash chain of the revealed scored pieces: `h = keccak256(abi.encode(h,
    /// keccak256(piece)))` from `h = 0`, in index order.
    struct MarketState {
        Phase phase;
        uint256 contributionCount;
        uint256 passNumber;
        uint256 cursor;
        uint256 correctInitial;
        uint256 correctBefore;
        uint256 minRounds;
        uint256 roundsLeft;
        uint256 pendingRounds;
        int256 intercept;
        uint256 drawnPiece;
        uint256 nextPiece;
        uint256 revealedExamples;
        uint256 scoredExamples;
        uint256 totalStake;
        uint256 sponsorPot;
        uint256 openTime;
        uint256 openBlock;
        uint256 participationEnd;
        uint256 revealDeadline;
        uint256 lastProgress;
        bytes32 scoredSetHash;
    }

    // ---- errors ----

    /// @notice Thrown when a function is called in a phase where it does nothing.
    /// @param phase The market's current phase.
    error WrongPhase(Phase phase);

    /// @notice Thrown when anyone but the sponsor loads the model or opens the market.
    /// @param caller The caller.
    error CallerNotSponsor(address caller);

    /// @notice Thrown when the number of test pieces is below 2 or above the maximum.
    /// @param pieceCount The number of piece commitments given.
    /// @param maxPieceCount The largest number allowed.
    error PieceCountOutOfRange(uint256 pieceCount, uint256 maxPieceCount);

    /// @notice Thrown when the test set size limit is zero or above the maximum.
    /// @param testExampleLimit The limit given.
    /// @param maxTestExampleLimit The largest limit allowed.
    error TestExampleLimitOutOfRange(uint256 testExampleLimit, uint256 maxTestExampleLimit);

    /// @notice Thrown when the unit is zero or above the maximum.
    /// @param unit The unit given, in base units.
    /// @param maxUnit The largest unit allowed.
    error UnitOutOfRange(uint256 unit, uint256 maxUnit);

    /// @notice Thrown when the minimum stake is zero or above the maximum stake.
    /// @param minStake The minimum stake given, in units.
    /// @param maxStake The largest stake allowed, in units.
    error MinStakeOutOfRange(uint256 minStake, uint256 maxStake);

    /// @notice Thrown when the participation length or the reveal window is zero or too long.
    /// @param participationLength The participation length given, in seconds.
    /// @param revealWindow The reveal window given, in seconds.
    /// @param maxDuration The longest either may be.
    error DurationOutOfRange(uint256 participationLength, uint256 revealWindow, uint256 maxDuration);

    /// @notice Thrown when the bounty's number of rounds is zero or so large that balances could overflow.
    /// @param rounds The rounds asked for.
    /// @param maxRounds The most rounds allowed (`2^62 / testExampleLimit`).
    error RoundsOutOfRange(uint256 rounds, uint256 maxRounds);

    /// @notice Thrown when the ether sent is not the amount due (and not 0 for a token market).
    /// @param expected The wei expected.
    /// @param sent The wei sent.
    error ValueMismatch(uint256 expected, uint256 sent);

    /// @notice Thrown when a token transfer delivered a different amount than asked (fee-on-transfer
    /// or rebasing tokens are not supported: the market must hold exactly what it owes).
    /// @param expected The amount asked for.
    /// @param received The amount the market's balance grew by.
    error TokenAmountMismatch(uint256 expected, uint256 received);

    /// @notice Thrown when the piece is drawn before the hash of the block after `open` is known.
    /// @param firstBlock The first block in which the draw is possible.
    /// @param blockNumber The current block.
    error DrawTooEarly(uint256 firstBlock, uint256 blockNumber);

    /// @notice Thrown when the hash the draw uses is no longer available (more than 256 blocks old).
    /// @param lastBlock The last block in which the draw was possible.
    /// @param blockNumber The current block.
    error DrawExpired(uint256 lastBlock, uint256 blockNumber);

    /// @notice Thrown when the piece to reveal first has not been drawn yet.
    error PieceNotDrawn();

    /// @notice Thrown when the piece to reveal first is drawn a second time.
    /// @param index The piece drawn before.
    error PieceAlreadyDrawn(uint256 index);

    /// @notice Thrown when a revealed piece and salt do not hash to the piece's commitment.
    /// @param index The piece's index.
    error PieceMismatch(uint256 index);

    /// @notice Thrown when a revealed piece is not a valid packed test set (truncated example, label
    /// above 1, feature indices not strictly increasing or not below `featureCount()`).
    /// @param index The piece's index.
    /// @param offset The byte offset, in the piece, of the example header or feature index at fault.
    error TestPieceMalformed(uint256 index, uint256 offset);

    /// @notice Thrown when the revealed pieces hold more test examples than the limit declared.
    /// @param examples The number of examples revealed, this piece included.
    /// @param testExampleLimit The declared limit.
    error TestSetTooLarge(uint256 examples, uint256 testExampleLimit);

    /// @notice Thrown when pieces are revealed before participation has ended.
    /// @param participationEnd The first timestamp at which the pieces may be revealed.
    /// @param nowTime The current block timestamp.
    error ParticipationNotEnded(uint256 participationEnd, uint256 nowTime);

    /// @notice Thrown when a contribution comes at or after the end of participation.
    /// @param participationEnd The first timestamp at which contributions are refused.
    /// @param nowTime The current block timestamp.
    error ParticipationEnded(uint256 participationEnd, uint256 nowTime);

    /// @notice Thrown when a piece is revealed at or after its deadline.
    /// @param deadline The first timestamp at which the reveal is refused.
    /// @param nowTime The current block timestamp.
    error RevealDeadlinePassed(uint256 deadline, uint256 nowTime);

    /// @notice Thrown when `settleUnrevealed` is called before the reveal deadline (or before the
    /// replay has stalled for `revealWindow()` seconds).
    /// @param deadline The first timestamp at which it may be called.
    /// @param nowTime The current block timestamp.
    error RevealDeadlineNotPassed(uint256 deadline, uint256 nowTime);

    /// @notice Thrown when `revealPieces` gets a different number of salts and pieces.
    /// @param salts The number of salts.
    /// @param pieces The number of pieces.
    error RevealLengthMismatch(uint256 salts, uint256 pieces);

    /// @notice Thrown when more pieces are revealed than remain.
    /// @param index The index the extra piece would have.
    /// @param pieceCount The number of pieces.
    error PieceIndexOutOfRange(uint256 index, uint256 pieceCount);

    /// @notice Thrown when a stake is below the minimum.
    /// @param minStake The minimum stake, in units.
    /// @param stake The stake offered, in units.
    error StakeTooLow(uint256 minStake, uint256 stake);

    /// @notice Thrown when a stake is above the maximum (which keeps balances within 64 bits).
    /// @param maxStake The maximum stake, in units.
    /// @param stake The stake offered, in units.
    error StakeTooHigh(uint256 maxStake, uint256 stake);

    /// @notice Thrown when a contribution has more features than one replay step is allowed to read.
    /// @param features The number of features sent.
    /// @param maxFeatures The most features a contribution may have.
    error TooManyFeatures(uint256 features, uint256 maxFeatures);

    /// @notice Thrown when the market holds the most contributions it can count.
    /// @param maxContributions The most contributions a market takes.
    error TooManyContributions(uint256 maxContributions);

    /// @notice Thrown when the test pieces sent to `advance` are not the revealed scored pieces.
    /// @param expected The hash chain of the revealed scored pieces.
    /// @param given The hash chain of the pieces sent.
    error TestSetMismatch(bytes32 expected, bytes32 given);

    /// @notice Thrown when `advance` runs out of contribution preimages before its steps are done.
    /// @param id The contribution whose preimage is missing.
    error ContributionDataMissing(uint256 id);

    /// @notice Thrown when a resent preimage does not hash to the contribution's record.
    /// @param id The contribution's id.
    error ContributionMismatch(uint256 id);

    /// @notice Thrown when an account with nothing owed withdraws.
    /// @param account The account.
    error NothingToWithdraw(address account);

    /// @notice Thrown when an account withdraws a second time.
    /// @param account The account.
    error AlreadyWithdrawn(address account);

    /// @notice Thrown when the recipient of ether refuses it (the amount stays owed).
    /// @param to The recipient.
    /// @param amount The wei refused.
    error PaymentFailed(address to, uint256 amount);

    // ---- events ----

    /// @notice Emitted when the sponsor opens the market and pays the bounty.
    /// @param rounds The reward rounds the bounty buys.
    /// @param bounty The bounty, in base units (`rounds * testExampleLimit * unit`).
    /// @param drawBlock The block whose hash draws the piece revealed first.
    event MarketOpened(uint256 rounds, uint256 bounty, uint256 drawBlock);

    /// @notice Emitted when the piece to reveal first is drawn.
    /// @param index The piece's index.
    event PieceDrawn(uint256 index);

    /// @notice Emitted when a piece is revealed; the piece is in the event, so anyone can rebuild
    /// the test set from the logs.
    /// @param index The piece's index.
    /// @param examples The number of test examples in it.
    /// @param correctInitial For a scored piece, how many of them the initial model gets right (0 for the drawn one).
    /// @param piece The packed piece.
    event PieceRevealed(uint256 indexed index, uint256 examples, uint256 correctInitial, bytes piece);

    /// @notice Emitted when the drawn piece is revealed and participation opens.
    /// @param participationEnd The first timestamp at which contributions are refused.
    /// @param revealDeadline The first timestamp at which the other pieces can no longer be revealed.
    event ParticipationOpened(uint256 participationEnd, uint256 revealDeadline);

    /// @notice Emitted for each contribution; the features are only here, not in storage.
    /// @param id The contribution's id.
    /// @param contributor The contributor.
    /// @param label The label.
    /// @param stake The stake, in units.
    /// @param features The packed features.
    event ContributionAdded(
        uint256 indexed id, address indexed contributor, uint8 label, uint256 stake, bytes features
    );

    /// @notice Emitted when a replay pass ends.
    /// @param passNumber The pass.
    /// @param correct How many scored test examples the pass's final model gets right.
    /// @param rounds The rounds run at its end.
    /// @param roundsLeft The rounds left after them.
    event PassCompleted(uint256 indexed passNumber, uint256 correct, uint256 rounds, uint256 roundsLeft);

    /// @notice Emitted when a contribution can no longer pay a round and leaves the replay.
    /// @param id The contribution's id.
    /// @param balance Its final balance, in units.
    event ContributionDropped(uint256 indexed id, uint256 balance);

    /// @notice Emitted when a sweep credits a contribution's payout to its contributor.
    /// @param id The contribution's id.
    /// @param contributor The contributor.
    /// @param amount The base units credited.
    event ContributionSettled(uint256 indexed id, address indexed contributor, uint256 amount);

    /// @notice Emitted when nobody revealed in time, or the replay stalled, and the contributors take
    /// the bounty (or, with no contributions, the sponsor takes it back).
    event MarketUnrevealed();

    /// @notice Emitted when every payout is credited; withdrawals open.
    /// @param sponsorAmount The base units credited to the sponsor.
    event MarketFinished(uint256 sponsorAmount);

    /// @notice Emitted when an account withdraws.
    /// @param account The account.
    /// @param amount The base units paid.
    event Withdrawn(address indexed account, uint256 amount);

    // ---- the sponsor ----

    /// @notice Opens the market: commits to the test pieces, pays the bounty of `rounds *
    /// testExampleLimit() * unit()` base units (as `msg.value`, or pulled from the sponsor's token
    /// allowance) and fixes the block whose hash draws the piece revealed first: the next one, which
    /// nobody knows when the commitments are sent. Only the sponsor, once the model is loaded.
    /// @param rounds The reward rounds, 1 to `2^62 / testExampleLimit()`.
    /// @param pieceCommitments `keccak256(abi.encodePacked(salt, piece))` of each test piece, 2 to 1,024.
    function open(uint256 rounds, bytes32[] calldata pieceCommitments) external payable;

    /// @notice Draws the piece to reveal first, `uint256(blockhash(openBlock + 1)) % pieceCount()`.
    /// Anyone, from block `openBlock + 2` to `openBlock + 257`.
    /// @return index The piece drawn.
    function drawPiece() external returns (uint256 index);

    /// @notice Reveals the drawn piece, which proves the test set is real and opens participation
    /// for `participationLength()` seconds. Anyone with the data, before `openTime + revealWindow()`.
    /// @param salt The piece's salt.
    /// @param piece The packed piece.
    function revealDrawnPiece(bytes32 salt, bytes calldata piece) external;

    /// @notice Reveals the next pieces in index order (the drawn one is skipped). Anyone with the
    /// data, from the end of participation until the reveal deadline. The last one starts the replay
    /// (or finishes the market, if nobody contributed).
    /// @param salts The pieces' salts.
    /// @param pieces The packed pieces.
    function revealPieces(bytes32[] calldata salts, bytes[] calldata pieces) external;

    /// @notice After a reveal deadline passes with pieces still hidden, or when the replay has made
    /// no progress for `revealWindow()` seconds (a test set too large for a block, say): the
    /// contributors take their stakes back and share the whole bounty in proportion to their stakes
    /// (credited by `advance`; the rounds of a stalled replay are undone); with no contributions the
    /// sponsor takes the bounty back. Anyone.
    function settleUnrevealed() external;

    // ---- contributors ----

    /// @notice Stakes on a labelled example; the model does not change until the replay.
    /// @param features The packed, strictly increasing feature indices, at most 512.
    /// @param label The label, 0 or 1.
    /// @param stake The stake in units, `minStake()` to 2^62; `stake * unit()` wei must be
    /// sent with it, or that many tokens approved.
    /// @return id The contribution's id.
    function contribute(bytes calldata features, uint8 label, uint256 stake) external payable returns (uint256 id);

    // ---- anyone ----

    /// @notice Runs up to `maxSteps` steps of the replay, payout or refund sweep; each step visits one
    /// contribution, in id order, passes and sweeps following each other.
    /// @param maxSteps The most contributions to visit.
    /// @param pieces While replaying: every revealed scored piece, in index order; otherwise ignored.
    /// @param preimages The preimage of each contribution to visit, `abi.encodePacked(contributor,
    /// label, uint64 stake, features)`, starting at the cursor and wrapping around after the last
    /// id. While replaying, the preimage of a dropped contribution is not read.
    /// @return steps The contributions visited.
    function advance(uint256 maxSteps, bytes[] calldata pieces, bytes[] calldata preimages)
        external
        returns (uint256 steps);

    /// @notice Pays the caller everything credited to it, once the market has finished.
    /// @return amount The base units paid.
    function withdraw() external returns (uint256 amount);

    // ---- views ----

    /// @notice The sponsor.
    function sponsor() external view returns (address);

    /// @notice The token staked and paid, or the zero address for ether.
    function token() external view returns (address);

    /// @notice Base units (wei or token units) per unit of stake and balance.
    function unit() external view returns (uint256);

    /// @notice The number of test pieces (0 before `open`).
    function pieceCount() external view returns (uint256);

    /// @notice The commitment to piece `index`.
    function pieceCommitment(uint256 index) external view returns (bytes32);

    /// @notice The most test examples the pieces hold together; one round costs the sponsor at most this many units.
    function testExampleLimit() external view returns (uint256);

    /// @notice The smallest stake, in units.
    function minStake() external view returns (uint256);

    /// @notice Seconds of participation after the drawn piece is revealed.
    function participationLength() external view returns (uint256);

    /// @notice Seconds to reveal the drawn piece after `open`, and the other pieces after participation.
    function revealWindow() external view returns (uint256);

    /// @notice The market's state (see `MarketState`).
    function marketState() external view returns (MarketState memory);

    /// @notice A contribution's record; all zero once a sweep has credited it.
    /// @param id The contribution's id.
    /// @return commitment The top 159 bits of `keccak256(preimage)`, shifted down by 97 bits.
    /// @return dropped Whether it has left the replay.
    /// @return balance Its balance in units (before the pending rounds, if it is live).
    /// @return score Its score in the last pass that replayed it.
    function contribution(uint256 id)
        external
        view
        returns (uint256 commitment, bool dropped, uint256 balance, int256 score);

    /// @notice What `account` is owed and whether it has withdrawn.
    /// @param account The account.
    /// @return amount The base units credited and not yet withdrawn.
    /// @return withdrawn Whether the account has withdrawn.
    function payout(address account) external view returns (uint256 amount, bool withdrawn);

    /// @notice Model words of the market's current model: the replayed one during and after the
    /// replay, the initial one before (`modelWords` always reads the initial one).
    /// @param start The first word.
    /// @param count How many words.
    /// @return words The words.
    function marketModelWords(uint256 start, uint256 count) external view returns (uint256[] memory words);
}
