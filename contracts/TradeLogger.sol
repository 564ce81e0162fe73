// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Owned} from "./Owned.sol";

/// @title TradeLogger
/// @notice Append-only log of Artic trade fills (opens and closes). Only numbers and hashes go
///         on chain; the trade detail JSON stays in the hub's PostgreSQL, linked by `detailHash`.
///         The contract stores nothing: every record is an event.
/// @dev Field contracts (the hub's `src/hub/chain/encoding.ts` produces them):
///      - `sessionId`, `symbol`: as in DecisionLogger (per-agent id hash; ASCII bytes32 symbol).
///      - `side`: 0 OPEN_LONG, 1 OPEN_SHORT, 2 CLOSE_LONG, 3 CLOSE_SHORT.
///      - `entryPrice`, `exitPrice`: quote-currency prices scaled by 1e8 (exitPrice 0 for opens).
///      - `pnlBps`: realised PnL in basis points (1 % = 100 bps), 0 for opens. int32, widened
///        from the original int16 that overflowed beyond ±327.67 %.
///      - `detailHash`: keccak256 of the UTF-8 detail JSON.
contract TradeLogger is Owned {
    event TradeLogged(
        bytes32 indexed sessionId,
        bytes32 indexed symbol,
        uint8 side,
        uint128 entryPrice,
        uint128 exitPrice,
        int32 pnlBps,
        bytes32 detailHash
    );

    /// @notice Emits one `TradeLogged` event. Owner only.
    function logTrade(
        bytes32 sessionId,
        bytes32 symbol,
        uint8 side,
        uint128 entryPrice,
        uint128 exitPrice,
        int32 pnlBps,
        bytes32 detailHash
    ) external onlyOwner {
        emit TradeLogged(sessionId, symbol, side, entryPrice, exitPrice, pnlBps, detailHash);
    }
}
