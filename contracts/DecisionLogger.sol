// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Owned} from "./Owned.sol";

/// @title DecisionLogger
/// @notice Append-only log of Artic supervisor/LLM trading decisions. Only numbers and hashes go
///         on chain; the full reasoning text stays in the hub's PostgreSQL, linked by
///         `reasoningHash`. The contract stores nothing: every record is an event.
/// @dev Field contracts (the hub's `src/hub/chain/encoding.ts` produces them):
///      - `sessionId`: keccak256(utf8("artic:agent:" + agentId)), stable per agent, so
///        `DecisionLogged(sessionId)` filters give one agent's history.
///      - `symbol`: the trading symbol as right-zero-padded ASCII (`bytes32("BTCUSDT")`, at most
///        31 bytes), readable in an explorer (not a hash).
///      - `action`: 0 HOLD/KEEP, 1 OPEN_LONG, 2 OPEN_SHORT, 3 CLOSE, 4 ADJUST_TP_SL.
///      - `strategy`: strategy index, 255 = unknown / chosen by the LLM.
///      - `confidenceBps`: 0..10000 basis points (10000 = 100 %); larger values revert.
///      - `pnlBps`: PnL of the position at decision time in basis points (1 % = 100 bps).
///        int32 (±214 748 364 bps = ±2 147 483 %), widened from the original int16 that
///        overflowed beyond ±327.67 %.
///      - `reasoningHash`: keccak256 of the UTF-8 reasoning text.
contract DecisionLogger is Owned {
    event DecisionLogged(
        bytes32 indexed sessionId,
        bytes32 indexed symbol,
        uint8 action,
        uint8 strategy,
        uint16 confidenceBps,
        int32 pnlBps,
        bytes32 reasoningHash
    );

    /// @notice `confidenceBps` exceeded 10000.
    error ConfidenceOutOfRange(uint16 confidenceBps);

    /// @notice Emits one `DecisionLogged` event. Owner only.
    function logDecision(
        bytes32 sessionId,
        bytes32 symbol,
        uint8 action,
        uint8 strategy,
        uint16 confidenceBps,
        int32 pnlBps,
        bytes32 reasoningHash
    ) external onlyOwner {
        if (confidenceBps > 10000) revert ConfidenceOutOfRange(confidenceBps);
        emit DecisionLogged(sessionId, symbol, action, strategy, confidenceBps, pnlBps, reasoningHash);
    }
}
