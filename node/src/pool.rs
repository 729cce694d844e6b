//! Admission control in front of the transaction pool.
//!
//! `sc-transaction-pool` lets its mempool take `--pool-limit` ready transactions
//! plus a tenth more for future ones, while each view of the pool keeps at most
//! `--pool-limit` ready ones: when more arrive, the view evicts the *oldest* of
//! equal priority, after they were accepted. A client that was told "accepted"
//! then never sees its transfer included. Offered several times what blocks can
//! take, a node did exactly that with thousands of transactions a minute.
//!
//! `AdmissionPool` refuses a transaction at the door instead, with the pool's own
//! "immediately dropped" error (RPC code 1016), once the best view's ready and
//! future transactions and the submissions still being validated would pass the
//! limit. RPC submissions and transactions gossiped by peers both go through it;
//! block production and the node's own offchain workers use the pool directly.
//!
//! Counting at the door is not enough on its own. A view built at a new block
//! takes the mempool's transactions in no particular order, so a sender's later
//! nonces may reach it before the earlier ones and wait in its *future* queue,
//! which `sc-cli` sizes at a tenth of `--pool-limit`. Offered several times
//! what blocks take, a debug node evicted a thousand admitted transfers that
//! way in one run. The node therefore builds the pool with [`POOL_ROOM`] times
//! `--pool-limit`: its future queue alone holds the whole limit, and the door
//! keeps what is admitted to half of it.

use std::{
	collections::HashMap,
	pin::Pin,
	sync::{
		atomic::{AtomicUsize, Ordering},
		Arc,
	},
};

use sc_transaction_pool_api::{
	error::Error as PoolError, ChainEvent, ImportNotificationStream, MaintainedTransactionPool,
	PoolStatus, ReadyTransactions, TransactionFor, TransactionPool, TransactionSource,
	TransactionStatusStreamFor, TxHash, TxInvalidityReportMap,
};
use sp_runtime::traits::Block as BlockT;

/// How many times `--pool-limit` the pool's own queues hold (see above).
pub const POOL_ROOM: usize = 10;

/// The pool `inner` with at most `limit` transactions admitted at a time.
pub struct AdmissionPool<P> {
	inner: Arc<P>,
	limit: usize,
	/// Submissions admitted and still being validated.
	in_flight: AtomicUsize,
}

impl<P: TransactionPool> AdmissionPool<P> {
	/// Admits up to half of `pool_limit`: the other half is the views' room to
	/// re-validate the mempool at each new block without evicting anything.
	pub fn new(inner: Arc<P>, pool_limit: usize) -> Self {
		Self { inner, limit: pool_limit / 2, in_flight: AtomicUsize::new(0) }
	}

	/// Reserves room for up to `wanted` transactions; how many it got.
	fn reserve(&self, wanted: usize) -> usize {
		let status = self.inner.status();
		let held = status.ready.saturating_add(status.future);
		let mut granted = 0;
		let _ = self.in_flight.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |in_flight| {
			granted = self.limit.saturating_sub(held.saturating_add(in_flight)).min(wanted);
			Some(in_flight + granted)
		});
		granted
	}

	fn release(&self, count: usize) {
		self.in_flight.fetch_sub(count, Ordering::SeqCst);
	}

	fn refused() -> P::Error {
		PoolError::ImmediatelyDropped.into()
	}

	/// Runs the submission of one transaction if there is room for it.
	async fn one<T>(
		&self,
		submission: impl std::future::Future<Output = Result<T, P::Error>>,
	) -> Result<T, P::Error> {
		if self.reserve(1) == 0 {
			return Err(Self::refused());
		}
		let result = submission.await;
		self.release(1);
		result
	}
}

#[async_trait::async_trait]
impl<P: TransactionPool> TransactionPool for AdmissionPool<P> {
	type Block = P::Block;
	type Hash = P::Hash;
	type InPoolTransaction = P::InPoolTransaction;
	type Error = P::Error;

	async fn submit_at(
		&self,
		at: <Self::Block as BlockT>::Hash,
		source: TransactionSource,
		mut xts: Vec<TransactionFor<Self>>,
	) -> Result<Vec<Result<TxHash<Self>, Self::Error>>, Self::Error> {
		let admitted = self.reserve(xts.len());
		let over = xts.split_off(admitted);
		let result = self.inner.submit_at(at, source, xts).await;
		self.release(admitted);
		let mut results = result?;
		results.extend(over.iter().map(|_| Err(Self::refused())));
		Ok(results)
	}

	async fn submit_one(
		&self,
		at: <Self::Block as BlockT>::Hash,
		source: TransactionSource,
		xt: TransactionFor<Self>,
	) -> Result<TxHash<Self>, Self::Error> {
		self.one(self.inner.submit_one(at, source, xt)).await
	}

	async fn submit_and_watch(
		&self,
		at: <Self::Block as BlockT>::Hash,
		source: TransactionSource,
		xt: TransactionFor<Self>,
	) -> Result<Pin<Box<TransactionStatusStreamFor<Self>>>, Self::Error> {
		self.one(self.inner.submit_and_watch(at, source, xt)).await
	}

	async fn ready_at(
		&self,
		at: <Self::Block as BlockT>::Hash,
	) -> Box<dyn ReadyTransactions<Item = Arc<Self::InPoolTransaction>> + Send> {
		self.inner.ready_at(at).await
	}

	fn ready(&self) -> Box<dyn ReadyTransactions<Item = Arc<Self::InPoolTransaction>> + Send> {
		self.inner.ready()
	}

	async fn report_invalid(
		&self,
		at: Option<<Self::Block as BlockT>::Hash>,
		invalid_tx_errors: TxInvalidityReportMap<TxHash<Self>>,
	) -> Vec<Arc<Self::InPoolTransaction>> {
		self.inner.report_invalid(at, invalid_tx_errors).await
	}

	fn futures(&self) -> Vec<Self::InPoolTransaction> {
		self.inner.futures()
	}

	fn status(&self) -> PoolStatus {
		self.inner.status()
	}

	fn import_notification_stream(&self) -> ImportNotificationStream<TxHash<Self>> {
		self.inner.import_notification_stream()
	}

	fn on_broadcasted(&self, propagations: HashMap<TxHash<Self>, Vec<String>>) {
		self.inner.on_broadcasted(propagations)
	}

	fn hash_of(&self, xt: &TransactionFor<Self>) -> TxHash<Self> {
		self.inner.hash_of(xt)
	}

	fn ready_transaction(&self, hash: &TxHash<Self>) -> Option<Arc<Self::InPoolTransaction>> {
		self.inner.ready_transaction(hash)
	}

	async fn ready_at_with_timeout(
		&self,
		at: <Self::Block as BlockT>::Hash,
		timeout: std::time::Duration,
	) -> Box<dyn ReadyTransactions<Item = Arc<Self::InPoolTransaction>> + Send> {
		self.inner.ready_at_with_timeout(at, timeout).await
	}
}

#[async_trait::async_trait]
impl<P: MaintainedTransactionPool> MaintainedTransactionPool for AdmissionPool<P> {
	async fn maintain(&self, event: ChainEvent<Self::Block>) {
		self.inner.maintain(event).await
	}
}
