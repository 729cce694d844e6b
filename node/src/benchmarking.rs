//! What `utc-node benchmark overhead` needs from this node: signed `remark`
//! transactions to fill blocks with, and the inherents of an empty block.

use crate::service::FullClient;
use codec::Encode;
use sc_client_api::BlockBackend;
use sp_core::Pair;
use sp_inherents::{InherentData, InherentDataProvider};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{generic::Era, OpaqueExtrinsic};
use std::sync::Arc;
use utc_runtime::{Runtime, RuntimeCall, SignedPayload, TxExtension, UncheckedExtrinsic, VERSION};

/// Builds Bob's `system.remark` transactions, the reference the overhead
/// benchmark measures the cost of one extrinsic with.
pub struct RemarkBuilder {
	client: Arc<FullClient>,
}

impl RemarkBuilder {
	pub fn new(client: Arc<FullClient>) -> Self {
		Self { client }
	}
}

impl frame_benchmarking_cli::ExtrinsicBuilder for RemarkBuilder {
	fn pallet(&self) -> &str {
		"system"
	}

	fn extrinsic(&self) -> &str {
		"remark"
	}

	fn build(&self, nonce: u32) -> Result<OpaqueExtrinsic, &'static str> {
		let call = RuntimeCall::System(frame_system::Call::remark { remark: vec![] });
		Ok(signed_by(&self.client, Sr25519Keyring::Bob.pair(), call, nonce)?.into())
	}
}

/// `call` signed by `sender` with the runtime's extensions, immortal and
/// without a tip, for this node's chain.
fn signed_by(
	client: &FullClient,
	sender: sp_core::sr25519::Pair,
	call: RuntimeCall,
	nonce: u32,
) -> Result<UncheckedExtrinsic, &'static str> {
	let genesis = client.block_hash(0).ok().flatten().ok_or("the chain has a genesis block")?;
	let extension: TxExtension = (
		frame_system::AuthorizeCall::<Runtime>::new(),
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(Era::Immortal),
		frame_system::CheckNonce::<Runtime>::from(nonce),
		frame_system::CheckWeight::<Runtime>::new(),
		pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
		frame_system::WeightReclaim::<Runtime>::new(),
	);
	let implicit = (
		(),
		(),
		VERSION.spec_version,
		VERSION.transaction_version,
		genesis,
		genesis,
		(),
		(),
		(),
		(),
	);
	let payload = SignedPayload::from_raw(call.clone(), extension.clone(), implicit);
	let signature = payload.using_encoded(|bytes| sender.sign(bytes));
	Ok(UncheckedExtrinsic::new_signed(
		call,
		sp_runtime::AccountId32::from(sender.public()).into(),
		utc_runtime::Signature::Sr25519(signature),
		extension,
	))
}

/// The inherents of a benchmark block: the timestamp at 0, Aura's slot 0.
pub fn inherent_benchmark_data() -> sc_cli::Result<InherentData> {
	let mut data = InherentData::new();
	let timestamp = sp_timestamp::InherentDataProvider::new(0.into());
	futures::executor::block_on(timestamp.provide_inherent_data(&mut data))
		.map_err(|e| format!("creating inherent data: {e:?}"))?;
	Ok(data)
}
