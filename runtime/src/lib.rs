//! The UTC chain runtime.
//!
//! This file is the table of contents: the runtime's types, its version and the
//! pallets in order. Each pallet's `Config` lives in `configs/`, the runtime APIs in
//! `apis.rs` and the genesis presets in `genesis_config_presets.rs`.

#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod configs;
pub mod genesis_config_presets;
#[cfg(feature = "std")]
pub mod testing;
pub mod weights;

use alloc::vec::Vec;
use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use frame_support::{genesis_builder_helper, weights::Weight};
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Opaque types: what the node needs to know of the runtime without knowing its calls.
pub mod opaque {
	use super::*;
	use sp_runtime::{generic, traits::Hash as HashT};

	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block identifier type.
	pub type BlockId = generic::BlockId<Block>;
	/// Opaque block hash type.
	pub type Hash = <BlakeTwo256 as HashT>::Output;
}

impl_opaque_keys! {
	pub struct SessionKeys {
		pub aura: Aura,
		pub grandpa: Grandpa,
		pub routing: configs::RoutingKeys,
	}
}

#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("utc-runtime"),
	impl_name: alloc::borrow::Cow::Borrowed("utc-runtime"),
	authoring_version: 1,
	spec_version: 100,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// Milliseconds between blocks. Aura's slot duration is the same.
pub const MILLI_SECS_PER_BLOCK: u64 = 6000;
pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;

pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
pub const HOURS: BlockNumber = MINUTES * 60;
pub const DAYS: BlockNumber = HOURS * 24;

/// The native token, UNIT, has 12 decimals.
pub const TOKEN_DECIMALS: u8 = 12;
pub const TOKEN_SYMBOL: &str = "UNIT";
pub const UNIT: Balance = 1_000_000_000_000;
pub const MILLI_UNIT: Balance = 1_000_000_000;
pub const MICRO_UNIT: Balance = 1_000_000;

/// The existential deposit: an account below it is reaped.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// An index to a block.
pub type BlockNumber = u32;
/// The signature type of transactions on the chain.
pub type Signature = MultiSignature;
/// The account id type: the public key of the signature type.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// The balance of an account.
pub type Balance = u128;
/// A transaction's index in its sender's sequence.
pub type Nonce = u32;
/// A hash of some data used by the chain.
pub type Hash = sp_core::H256;
/// The id of an asset held in `pallet-assets` (one per compute class).
pub type AssetId = u32;

/// The address format for describing accounts.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header type.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block type.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// A block with its justifications.
pub type SignedBlock = generic::SignedBlock<Block>;
/// Block id type.
pub type BlockId = generic::BlockId<Block>;

/// The transaction extensions, in the order a signed transaction carries them.
pub type TxExtension = (
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// Unchecked extrinsic type as expected by this runtime.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload being signed in transactions.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Storage migrations run on a runtime upgrade (as `frame_system`'s
/// `SingleBlockMigrations`), before the pallets' own upgrade hooks. The layout UTC
/// chain's genesis writes is storage version 0 of every pallet of this workspace;
/// from now on, an upgrade that changes a stored type or a storage item raises that
/// pallet's storage version and lists its migration here.
pub type Migrations = (
	// Finished jobs get the block they finished at, to be pruned from.
	pallet_federation::migrations::v1::MigrateV0ToV1<Runtime>,
);

/// Executive: dispatches calls to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;

	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;

	#[runtime::pallet_index(7)]
	pub type Assets = pallet_assets;

	#[runtime::pallet_index(8)]
	pub type Compute = pallet_compute;

	#[runtime::pallet_index(9)]
	pub type Orderbook = pallet_orderbook;

	#[runtime::pallet_index(10)]
	pub type Sla = pallet_sla;

	#[runtime::pallet_index(11)]
	pub type Federation = pallet_federation;

	#[runtime::pallet_index(12)]
	pub type Treasury = pallet_treasury;

	// The validator set and its sessions. Declared last: their genesis runs after
	// Aura's, GRANDPA's and the federation's, which the genesis session sets up,
	// and the set counts each block's author before a session change.
	#[runtime::pallet_index(13)]
	pub type Authorship = pallet_authorship;

	#[runtime::pallet_index(14)]
	pub type Offences = pallet_offences;

	#[runtime::pallet_index(15)]
	pub type Historical = pallet_session::historical;

	#[runtime::pallet_index(16)]
	pub type ValidatorSet = pallet_validator_set;

	#[runtime::pallet_index(17)]
	pub type Session = pallet_session;
}

#[cfg(test)]
mod tests;
