// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {OwnedWallet} from "./OwnedWallet.sol";

/// @title WalletFactory
/// @notice Deploys an OwnedWallet with CREATE2 (EIP-1014), so a wallet's address is known before
/// it exists: what an ERC-6492 signature of a not-yet-deployed ("counterfactual") wallet relies on.
/// The address depends on the factory, the first owner and the salt, and stays the same after the
/// owner is rotated.
contract WalletFactory {
    event WalletCreated(address indexed wallet, address indexed owner, bytes32 salt);

    /// @notice Deploys the wallet of `owner` and `salt`, or answers its address when it is already
    /// there. ERC-6492 §Specification: a verifier may run the signature's factory call although the
    /// wallet is deployed (to let a deployed wallet be brought up to date), so the call must not
    /// revert then.
    function createWallet(address owner, bytes32 salt) external returns (address wallet) {
        wallet = walletAddress(owner, salt);
        if (wallet.code.length > 0) return wallet;
        OwnedWallet created = new OwnedWallet{salt: salt}(owner);
        // Cannot differ (same init code and salt); checked so a compiler change cannot hide a bug.
        require(address(created) == wallet, "CREATE2 address mismatch");
        emit WalletCreated(wallet, owner, salt);
    }

    /// @notice The address `createWallet(owner, salt)` deploys to (EIP-1014:
    /// keccak256(0xff ++ factory ++ salt ++ keccak256(init code))[12:]).
    function walletAddress(address owner, bytes32 salt) public view returns (address) {
        bytes32 initCodeHash = keccak256(abi.encodePacked(type(OwnedWallet).creationCode, abi.encode(owner)));
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), salt, initCodeHash)))));
    }
}
