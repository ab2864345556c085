// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title OwnedWallet
/// @notice The smallest smart-contract wallet that signs in the way real ones do: one owner key,
/// an ERC-1271 `isValidSignature`, and an owner that can be rotated. The test suites deploy it
/// on a local chain to prove contract-wallet sign-in, including that rotating the owner ends the
/// old signatures. Not for holding funds: it has no way to move any.
contract OwnedWallet {
    /// ERC-1271 §Specification: `bytes4(keccak256("isValidSignature(bytes32,bytes)"))`, the answer
    /// for a valid signature.
    bytes4 internal constant ERC1271_MAGIC_VALUE = 0x1626ba7e;
    /// Any other value means "not valid"; this one is the conventional choice.
    bytes4 internal constant ERC1271_INVALID = 0xffffffff;
    /// secp256k1n / 2 (EIP-2): a signature with a larger `s` is the malleated twin of another.
    uint256 internal constant HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// The key whose ECDSA signatures this wallet accepts.
    address public owner;

    event OwnerChanged(address indexed previousOwner, address indexed newOwner);

    error NotOwner();
    error ZeroOwner();

    constructor(address initialOwner) {
        if (initialOwner == address(0)) revert ZeroOwner();
        owner = initialOwner;
        emit OwnerChanged(address(0), initialOwner);
    }

    /// @notice Hands the wallet to another key; signatures of the old one stop being valid.
    function setOwner(address newOwner) external {
        if (msg.sender != owner) revert NotOwner();
        if (newOwner == address(0)) revert ZeroOwner();
        emit OwnerChanged(owner, newOwner);
        owner = newOwner;
    }

    /// @notice ERC-1271: valid when `signature` is the owner's 65-byte ECDSA signature (r, s, v)
    /// of `hash` itself. A sign-in passes the EIP-191 hash of the message, so the owner's
    /// `personal_sign` of the message is the wallet's signature. Never reverts: a malformed
    /// signature is answered as invalid.
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length != 65) return ERC1271_INVALID;
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (uint256(s) > HALF_CURVE_ORDER || (v != 27 && v != 28)) return ERC1271_INVALID;
        address signer = ecrecover(hash, v, r, s);
        if (signer == address(0) || signer != owner) return ERC1271_INVALID;
        return ERC1271_MAGIC_VALUE;
    }
}
