// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Owned
/// @notice Minimal single-owner access control shared by the Artic loggers.
/// @dev The deployer becomes the owner. Ownership is transferable in one step by the current
///      owner (the hub's signer wallet rotates rarely, and a two-step handover would need a
///      second signer online). The zero address is refused so ownership cannot be burnt by a
///      typo; there is deliberately no `renounceOwnership`.
abstract contract Owned {
    /// @notice The only account allowed to log records.
    address public owner;

    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @notice The caller is not the owner.
    error NotOwner(address caller);
    /// @notice `transferOwnership` was called with the zero address.
    error ZeroOwner();

    constructor() {
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    /// @notice Hands the contract to `newOwner` (non-zero). Takes effect immediately.
    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroOwner();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }
}
