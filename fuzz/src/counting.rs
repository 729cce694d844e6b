//! Externalities that count the distinct storage keys a call reads and writes,
//! the way the benchmarks count them, and pass every access on unchanged.

use sp_core::storage::{ChildInfo, StateVersion, TrackedStorageKey};
use sp_externalities::{Extension, ExtensionStore, Externalities, MultiRemovalResults};
use std::{any::Any, any::TypeId, collections::BTreeSet};

/// Distinct keys read and written through [`Counting`], less the whitelisted ones.
#[derive(Default, Debug, Clone)]
pub struct Accesses {
	pub reads: BTreeSet<Vec<u8>>,
	pub writes: BTreeSet<Vec<u8>>,
	/// Keys removed by prefix, each a write.
	pub cleared: u32,
	/// Keys the benchmarks do not charge for (the block's own bookkeeping and the
	/// caller's account), so neither is this count.
	pub whitelist: BTreeSet<Vec<u8>>,
}

impl Accesses {
	/// Counts nothing under `whitelist`.
	pub fn new(whitelist: BTreeSet<Vec<u8>>) -> Self {
		Self { whitelist, ..Default::default() }
	}

	/// (reads, writes) as the benchmarks count them.
	pub fn counts(&self) -> (u64, u64) {
		(self.reads.len() as u64, self.writes.len() as u64 + u64::from(self.cleared))
	}

	fn read(&mut self, key: &[u8]) {
		if !self.whitelist.contains(key) {
			self.reads.insert(key.to_vec());
		}
	}

	fn write(&mut self, key: &[u8]) {
		if !self.whitelist.contains(key) {
			self.writes.insert(key.to_vec());
		}
	}
}

/// Wraps the externalities a call runs against and records what it touches.
pub struct Counting<'a> {
	pub inner: &'a mut dyn Externalities,
	pub accesses: Accesses,
}

impl ExtensionStore for Counting<'_> {
	fn extension_by_type_id(&mut self, type_id: TypeId) -> Option<&mut dyn Any> {
		self.inner.extension_by_type_id(type_id)
	}

	fn register_extension_with_type_id(
		&mut self,
		type_id: TypeId,
		extension: Box<dyn Extension>,
	) -> Result<(), sp_externalities::Error> {
		self.inner.register_extension_with_type_id(type_id, extension)
	}

	fn deregister_extension_by_type_id(
		&mut self,
		type_id: TypeId,
	) -> Result<(), sp_externalities::Error> {
		self.inner.deregister_extension_by_type_id(type_id)
	}
}

impl Externalities for Counting<'_> {
	fn set_offchain_storage(&mut self, key: &[u8], value: Option<&[u8]>) {
		self.inner.set_offchain_storage(key, value)
	}

	fn storage(&mut self, key: &[u8]) -> Option<Vec<u8>> {
		self.accesses.read(key);
		self.inner.storage(key)
	}

	fn storage_hash(&mut self, key: &[u8]) -> Option<Vec<u8>> {
		self.accesses.read(key);
		self.inner.storage_hash(key)
	}

	fn child_storage_hash(&mut self, child_info: &ChildInfo, key: &[u8]) -> Option<Vec<u8>> {
		self.accesses.read(key);
		self.inner.child_storage_hash(child_info, key)
	}

	fn child_storage(&mut self, child_info: &ChildInfo, key: &[u8]) -> Option<Vec<u8>> {
		self.accesses.read(key);
		self.inner.child_storage(child_info, key)
	}

	fn exists_storage(&mut self, key: &[u8]) -> bool {
		self.accesses.read(key);
		self.inner.exists_storage(key)
	}

	fn exists_child_storage(&mut self, child_info: &ChildInfo, key: &[u8]) -> bool {
		self.accesses.read(key);
		self.inner.exists_child_storage(child_info, key)
	}

	fn next_storage_key(&mut self, key: &[u8]) -> Option<Vec<u8>> {
		let next = self.inner.next_storage_key(key);
		if let Some(next) = &next {
			self.accesses.read(next);
		}
		next
	}

	fn next_child_storage_key(&mut self, child_info: &ChildInfo, key: &[u8]) -> Option<Vec<u8>> {
		let next = self.inner.next_child_storage_key(child_info, key);
		if let Some(next) = &next {
			self.accesses.read(next);
		}
		next
	}

	fn kill_child_storage(
		&mut self,
		child_info: &ChildInfo,
		maybe_limit: Option<u32>,
		maybe_cursor: Option<&[u8]>,
	) -> MultiRemovalResults {
		self.accesses.write(child_info.storage_key());
		self.inner.kill_child_storage(child_info, maybe_limit, maybe_cursor)
	}

	fn clear_prefix(
		&mut self,
		prefix: &[u8],
		maybe_limit: Option<u32>,
		maybe_cursor: Option<&[u8]>,
	) -> MultiRemovalResults {
		// Every key removed is a write, and every step of the walk a read.
		let result = self.inner.clear_prefix(prefix, maybe_limit, maybe_cursor);
		self.accesses.cleared = self.accesses.cleared.saturating_add(result.unique);
		self.accesses.read(prefix);
		result
	}

	fn clear_child_prefix(
		&mut self,
		child_info: &ChildInfo,
		prefix: &[u8],
		maybe_limit: Option<u32>,
		maybe_cursor: Option<&[u8]>,
	) -> MultiRemovalResults {
		self.accesses.write(prefix);
		self.inner.clear_child_prefix(child_info, prefix, maybe_limit, maybe_cursor)
	}

	fn place_storage(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
		self.accesses.write(&key);
		self.inner.place_storage(key, value)
	}

	fn place_child_storage(
		&mut self,
		child_info: &ChildInfo,
		key: Vec<u8>,
		value: Option<Vec<u8>>,
	) {
		self.accesses.write(&key);
		self.inner.place_child_storage(child_info, key, value)
	}

	fn storage_root(&mut self, state_version: StateVersion) -> Vec<u8> {
		self.inner.storage_root(state_version)
	}

	fn child_storage_root(
		&mut self,
		child_info: &ChildInfo,
		state_version: StateVersion,
	) -> Vec<u8> {
		self.inner.child_storage_root(child_info, state_version)
	}

	fn storage_append(&mut self, key: Vec<u8>, value: Vec<u8>) {
		self.accesses.write(&key);
		self.inner.storage_append(key, value)
	}

	fn storage_start_transaction(&mut self) {
		self.inner.storage_start_transaction()
	}

	fn storage_rollback_transaction(&mut self) -> Result<(), ()> {
		self.inner.storage_rollback_transaction()
	}

	fn storage_commit_transaction(&mut self) -> Result<(), ()> {
		self.inner.storage_commit_transaction()
	}

	fn storage_index_transaction(&mut self, index: u32, hash: &[u8], size: u32) {
		self.inner.storage_index_transaction(index, hash, size)
	}

	fn storage_renew_transaction_index(&mut self, index: u32, hash: &[u8]) {
		self.inner.storage_renew_transaction_index(index, hash)
	}

	fn wipe(&mut self) {
		self.inner.wipe()
	}

	fn commit(&mut self) {
		self.inner.commit()
	}

	fn read_write_count(&self) -> (u32, u32, u32, u32) {
		self.inner.read_write_count()
	}

	fn reset_read_write_count(&mut self) {
		self.inner.reset_read_write_count()
	}

	fn get_whitelist(&self) -> Vec<TrackedStorageKey> {
		self.inner.get_whitelist()
	}

	fn set_whitelist(&mut self, new: Vec<TrackedStorageKey>) {
		self.inner.set_whitelist(new)
	}

	fn proof_size(&self) -> Option<u32> {
		self.inner.proof_size()
	}

	fn get_read_and_written_keys(&self) -> Vec<(Vec<u8>, u32, u32, bool)> {
		self.inner.get_read_and_written_keys()
	}
}
