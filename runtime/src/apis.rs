//! The runtime APIs that the node, wallets and indexers call.

use alloc::vec::Vec;
use frame_support::{
	genesis_builder_helper::{build_state, get_preset},
	weights::Weight,
};
use pallet_grandpa::AuthorityId as GrandpaId;
use sp_api::impl_runtime_apis;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_core::{crypto::KeyTypeId, OpaqueMetadata};
use sp_runtime::{
	traits::{Block as BlockT, NumberFor},
	transaction_validity::{TransactionSource, TransactionValidity},
	ApplyExtrinsicResult,
};
use sp_version::RuntimeVersion;

use super::{
	AccountId, Aura, Balance, Block, BlockNumber, Compute, Executive, Federation, Grandpa,
	Historical, InherentDataExt, Nonce, Orderbook, Runtime, RuntimeCall, RuntimeGenesisConfig,
	SessionKeys, Sla, System, TransactionPayment, UncheckedExtrinsic, VERSION,
};

impl_runtime_apis! {
	impl sp_api::Core<Block> for Runtime {
		fn version() -> RuntimeVersion {
			VERSION
		}

		fn execute_block(block: <Block as BlockT>::LazyBlock) {
			Executive::execute_block(block);
		}

		fn initialize_block(header: &<Block as BlockT>::Header) -> sp_runtime::ExtrinsicInclusionMode {
			Executive::initialize_block(header)
		}
	}

	impl sp_api::Metadata<Block> for Runtime {
		fn metadata() -> OpaqueMetadata {
			OpaqueMetadata::new(Runtime::metadata().into())
		}

		fn metadata_at_version(version: u32) -> Option<OpaqueMetadata> {
			Runtime::metadata_at_version(version)
		}

		fn metadata_versions() -> Vec<u32> {
			Runtime::metadata_versions()
		}
	}

	impl frame_support::view_functions::runtime_api::RuntimeViewFunction<Block> for Runtime {
		fn execute_view_function(
			id: frame_support::view_functions::ViewFunctionId,
			input: Vec<u8>,
		) -> Result<Vec<u8>, frame_support::view_functions::ViewFunctionDispatchError> {
			Runtime::execute_view_function(id, input)
		}
	}

	impl sp_block_builder::BlockBuilder<Block> for Runtime {
		fn apply_extrinsic(extrinsic: <Block as BlockT>::Extrinsic) -> ApplyExtrinsicResult {
			Executive::apply_extrinsic(extrinsic)
		}

		fn finalize_block() -> <Block as BlockT>::Header {
			Executive::finalize_block()
		}

		fn inherent_extrinsics(data: sp_inherents::InherentData) -> Vec<<Block as BlockT>::Extrinsic> {
			// Inherents in the version-4 bare format, which every client decodes;
			// block explorers and exchange tools that predate version 5 refuse a
			// whole block over one version-5 inherent. The runtime takes both.
			data.create_extrinsics()
				.into_iter()
				.map(|xt| match xt.preamble {
					sp_runtime::generic::Preamble::Bare(_) => {
						UncheckedExtrinsic::new_bare_legacy(xt.function)
					},
					_ => xt,
				})
				.collect()
		}

		fn check_inherents(
			block: <Block as BlockT>::LazyBlock,
			data: sp_inherents::InherentData,
		) -> sp_inherents::CheckInherentsResult {
			data.check_extrinsics(&block)
		}
	}

	impl sp_transaction_pool::runtime_api::TaggedTransactionQueue<Block> for Runtime {
		fn validate_transaction(
			source: TransactionSource,
			tx: <Block as BlockT>::Extrinsic,
			block_hash: <Block as BlockT>::Hash,
		) -> TransactionValidity {
			Executive::validate_transaction(source, tx, block_hash)
		}
	}

	impl sp_offchain::OffchainWorkerApi<Block> for Runtime {
		fn offchain_worker(header: &<Block as BlockT>::Header) {
			Executive::offchain_worker(header)
		}
	}

	impl sp_consensus_aura::AuraApi<Block, AuraId> for Runtime {
		fn slot_duration() -> sp_consensus_aura::SlotDuration {
			sp_consensus_aura::SlotDuration::from_millis(Aura::slot_duration())
		}

		fn authorities() -> Vec<AuraId> {
			pallet_aura::Authorities::<Runtime>::get().into_inner()
		}
	}

	impl sp_session::SessionKeys<Block> for Runtime {
		fn generate_session_keys(
			owner: Vec<u8>,
			seed: Option<Vec<u8>>,
		) -> sp_session::OpaqueGeneratedSessionKeys {
			SessionKeys::generate(&owner, seed).into()
		}

		fn decode_session_keys(encoded: Vec<u8>) -> Option<Vec<(Vec<u8>, KeyTypeId)>> {
			SessionKeys::decode_into_raw_public_keys(&encoded)
		}
	}

	impl sp_consensus_grandpa::GrandpaApi<Block> for Runtime {
		fn grandpa_authorities() -> sp_consensus_grandpa::AuthorityList {
			Grandpa::grandpa_authorities()
		}

		fn current_set_id() -> sp_consensus_grandpa::SetId {
			Grandpa::current_set_id()
		}

		fn submit_report_equivocation_unsigned_extrinsic(
			equivocation_proof: sp_consensus_grandpa::EquivocationProof<
				<Block as BlockT>::Hash,
				NumberFor<Block>,
			>,
			key_owner_proof: sp_consensus_grandpa::OpaqueKeyOwnershipProof,
		) -> Option<()> {
			let key_owner_proof = key_owner_proof.decode()?;
			Grandpa::submit_unsigned_equivocation_report(equivocation_proof, key_owner_proof)
		}

		fn generate_key_ownership_proof(
			_set_id: sp_consensus_grandpa::SetId,
			authority_id: GrandpaId,
		) -> Option<sp_consensus_grandpa::OpaqueKeyOwnershipProof> {
			use codec::Encode;
			use frame_support::traits::KeyOwnerProofSystem;
			Historical::prove((sp_consensus_grandpa::KEY_TYPE, authority_id))
				.map(|proof| proof.encode())
				.map(sp_consensus_grandpa::OpaqueKeyOwnershipProof::new)
		}
	}

	impl frame_system_rpc_runtime_api::AccountNonceApi<Block, AccountId, Nonce> for Runtime {
		fn account_nonce(account: AccountId) -> Nonce {
			System::account_nonce(account)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentApi<Block, Balance> for Runtime {
		fn query_info(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment_rpc_runtime_api::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_info(uxt, len)
		}

		fn query_fee_details(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_fee_details(uxt, len)
		}

		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}

		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentCallApi<Block, Balance, RuntimeCall>
		for Runtime
	{
		fn query_call_info(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_call_info(call, len)
		}

		fn query_call_fee_details(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_call_fee_details(call, len)
		}

		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}

		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl pallet_compute::runtime_api::ComputeApi<
		Block,
		AccountId,
		pallet_compute::ComputeClassOf<Runtime>,
		pallet_compute::AttestationOf<Runtime>,
		pallet_compute::AttestorInfoOf<Runtime>,
	> for Runtime {
		fn classes() -> Vec<(utc_primitives::ClassId, pallet_compute::ComputeClassOf<Runtime>)> {
			Compute::classes()
		}

		fn class(class_id: utc_primitives::ClassId) -> Option<pallet_compute::ComputeClassOf<Runtime>> {
			pallet_compute::Classes::<Runtime>::get(class_id)
		}

		fn attestors() -> Vec<(pallet_compute::AttestorKey, pallet_compute::AttestorInfoOf<Runtime>)> {
			Compute::attestors()
		}

		fn provider_attestations(
			provider: AccountId,
		) -> Vec<(utc_primitives::AttestationId, pallet_compute::AttestationOf<Runtime>)> {
			Compute::provider_attestations(&provider)
		}

		fn provider_class_state(
			provider: AccountId,
			class_id: utc_primitives::ClassId,
		) -> pallet_compute::ProviderClassState {
			Compute::provider_class_state(&provider, class_id)
		}

		fn revocation_message(attestation: utc_primitives::AttestationId) -> Vec<u8> {
			Compute::revocation_message(attestation)
		}
	}

	impl pallet_orderbook::runtime_api::OrderbookApi<
		Block,
		AccountId,
		pallet_orderbook::OrderOf<Runtime>,
	> for Runtime {
		fn best_bid_ask(
			market: pallet_orderbook::MarketId,
		) -> (Option<(pallet_orderbook::Price, u128)>, Option<(pallet_orderbook::Price, u128)>) {
			let best = |side| Orderbook::depth(market, side, 1).into_iter().next();
			(best(pallet_orderbook::Side::Bid), best(pallet_orderbook::Side::Ask))
		}

		fn depth(
			market: pallet_orderbook::MarketId,
			levels: u32,
		) -> (pallet_orderbook::Depth, pallet_orderbook::Depth) {
			(
				Orderbook::depth(market, pallet_orderbook::Side::Bid, levels),
				Orderbook::depth(market, pallet_orderbook::Side::Ask, levels),
			)
		}

		fn open_orders(
			who: AccountId,
		) -> Vec<(pallet_orderbook::OrderId, pallet_orderbook::OrderOf<Runtime>)> {
			Orderbook::open_orders(&who)
		}

		fn trading_account(
			who: AccountId,
		) -> Vec<(pallet_orderbook::Asset, pallet_orderbook::Funds)> {
			Orderbook::trading_account(&who)
		}

		fn quote(
			market: pallet_orderbook::MarketId,
			side: pallet_orderbook::Side,
			amount: u128,
		) -> pallet_orderbook::Quote {
			Orderbook::quote(market, side, amount)
		}
	}

	impl pallet_sla::runtime_api::SlaApi<
		Block,
		AccountId,
		pallet_sla::SlaModuleOf<Runtime>,
		pallet_sla::BondViewOf<Runtime>,
		pallet_sla::DisputeOf<Runtime>,
		pallet_sla::PendingSlashOf<Runtime>,
		pallet_sla::SlashRecordOf<Runtime>,
	> for Runtime {
		fn modules() -> Vec<(utc_primitives::ModuleId, pallet_sla::SlaModuleOf<Runtime>)> {
			pallet_sla::Modules::<Runtime>::iter().collect()
		}

		fn bond(provider: AccountId) -> pallet_sla::BondViewOf<Runtime> {
			Sla::bond_view(&provider)
		}

		fn subscriptions(provider: AccountId) -> Vec<(utc_primitives::ClassId, utc_primitives::ModuleId)> {
			pallet_sla::Subscriptions::<Runtime>::get(provider).into_inner()
		}

		fn open_disputes(
			provider: AccountId,
		) -> Vec<(pallet_sla::DisputeId, pallet_sla::DisputeOf<Runtime>)> {
			Sla::open_disputes(&provider)
		}

		fn pending_slashes(
			provider: AccountId,
		) -> Vec<(pallet_sla::SlashId, pallet_sla::PendingSlashOf<Runtime>)> {
			Sla::pending_slashes(&provider)
		}

		fn slash_history(provider: AccountId) -> Vec<pallet_sla::SlashRecordOf<Runtime>> {
			pallet_sla::SlashHistory::<Runtime>::get(provider).into_inner()
		}
	}

	impl pallet_federation::runtime_api::FederationApi<
		Block,
		AccountId,
		pallet_federation::JobViewOf<Runtime>,
		pallet_federation::Reputation<BlockNumber>,
	> for Runtime {
		fn pending_jobs(limit: u32) -> Vec<utc_primitives::JobId> {
			Federation::pending_jobs(limit)
		}

		fn job(job: utc_primitives::JobId) -> Option<pallet_federation::JobViewOf<Runtime>> {
			Federation::job_view(job)
		}

		fn provider_jobs(provider: AccountId) -> Vec<utc_primitives::JobId> {
			Federation::provider_jobs(&provider)
		}

		fn eligible_providers(
			class_id: utc_primitives::ClassId,
			modules: Vec<utc_primitives::ModuleId>,
			kind: pallet_federation::WorkloadKind,
			units: utc_primitives::Units,
		) -> Vec<AccountId> {
			Federation::eligible_providers(class_id, modules, kind, units)
		}

		fn reputation(provider: AccountId) -> pallet_federation::Reputation<BlockNumber> {
			Federation::reputation(&provider)
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	impl frame_benchmarking::Benchmark<Block> for Runtime {
		fn benchmark_metadata(extra: bool) -> (
			Vec<frame_benchmarking::BenchmarkList>,
			Vec<frame_support::traits::StorageInfo>,
		) {
			use frame_benchmarking::{baseline, BenchmarkList};
			use frame_support::traits::StorageInfoTrait;
			use frame_system_benchmarking::Pallet as SystemBench;
			use baseline::Pallet as BaselineBench;
			use super::*;

			let mut list = Vec::<BenchmarkList>::new();
			list_benchmarks!(list, extra);

			let storage_info = AllPalletsWithSystem::storage_info();
			(list, storage_info)
		}

		#[allow(non_local_definitions)]
		fn dispatch_benchmark(
			config: frame_benchmarking::BenchmarkConfig,
		) -> Result<Vec<frame_benchmarking::BenchmarkBatch>, alloc::string::String> {
			use frame_benchmarking::{baseline, BenchmarkBatch};
			use sp_storage::TrackedStorageKey;
			use frame_system_benchmarking::Pallet as SystemBench;
			use baseline::Pallet as BaselineBench;
			use super::*;

			impl frame_system_benchmarking::Config for Runtime {}
			impl baseline::Config for Runtime {}

			use frame_support::traits::WhitelistedStorageKeys;
			let whitelist: Vec<TrackedStorageKey> = AllPalletsWithSystem::whitelisted_storage_keys();

			let mut batches = Vec::<BenchmarkBatch>::new();
			let params = (&config, &whitelist);
			add_benchmarks!(params, batches);

			Ok(batches)
		}
	}

	#[cfg(feature = "try-runtime")]
	impl frame_try_runtime::TryRuntime<Block> for Runtime {
		fn on_runtime_upgrade(checks: frame_try_runtime::UpgradeCheckSelect) -> (Weight, Weight) {
			let weight = Executive::try_runtime_upgrade(checks).unwrap();
			(weight, super::configs::RuntimeBlockWeights::get().max_block)
		}

		fn execute_block(
			block: <Block as BlockT>::LazyBlock,
			state_root_check: bool,
			signature_check: bool,
			select: frame_try_runtime::TryStateSelect,
		) -> Weight {
			Executive::try_execute_block(block, state_root_check, signature_check, select).unwrap()
		}
	}

	impl sp_genesis_builder::GenesisBuilder<Block> for Runtime {
		fn build_state(config: Vec<u8>) -> sp_genesis_builder::Result {
			build_state::<RuntimeGenesisConfig>(config)
		}

		fn get_preset(id: &Option<sp_genesis_builder::PresetId>) -> Option<Vec<u8>> {
			get_preset::<RuntimeGenesisConfig>(id, crate::genesis_config_presets::get_preset)
		}

		fn preset_names() -> Vec<sp_genesis_builder::PresetId> {
			crate::genesis_config_presets::preset_names()
		}
	}
}
