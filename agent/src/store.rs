//! The job store: one redb database under the state dir.
//!
//! redb is an embedded, pure-Rust, copy-on-write B-tree store: every write
//! transaction is durable once `commit` returns (it fsyncs, and a crash leaves
//! the last committed tree), it needs no C toolchain or server, and one writer
//! at a time serializes the API's and the supervisor's changes to a job. Each
//! job is one row, JSON-encoded so an operator can read it back.

use crate::{
	backend::Handle,
	job::{JobRequest, JobState, JobStatus},
};
use redb::{Database, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};
use std::path::Path;

const JOBS: TableDefinition<&str, &[u8]> = TableDefinition::new("jobs");

/// Everything the agent knows of a job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRecord {
	pub request: JobRequest,
	pub status: JobStatus,
	pub launch: Launch,
	/// Why the job is being stopped, once someone asked.
	pub stop: Option<StopCause>,
	/// Whether the backend was told to stop it.
	pub stop_sent: bool,
}

/// How far the job got into its backend.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Launch {
	/// Waiting for a free slot.
	NotLaunched,
	/// Being handed to the backend: after a crash here the backend is asked whether it
	/// has the job (by its deterministic name) before it is handed over again.
	Launching,
	Launched(Handle),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StopCause {
	/// `DELETE /v1/jobs/{id}`.
	Cancelled,
	/// The job ran past `max_duration_ms`.
	Timeout,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
	#[error("job store: {0}")]
	Db(Box<redb::Error>),
	#[error("job store: a record does not decode: {0}")]
	Decode(#[from] serde_json::Error),
}

fn db_err<E: Into<redb::Error>>(e: E) -> StoreError {
	StoreError::Db(Box::new(e.into()))
}

pub enum Inserted {
	New(JobRecord),
	Existing(JobRecord),
}

pub struct Store {
	db: Database,
}

impl Store {
	pub fn open(path: &Path) -> Result<Store, StoreError> {
		let db = Database::create(path).map_err(db_err)?;
		let txn = db.begin_write().map_err(db_err)?;
		txn.open_table(JOBS).map_err(db_err)?;
		txn.commit().map_err(db_err)?;
		Ok(Store { db })
	}

	/// Inserts a new job, or returns the one already stored under its id.
	pub fn insert(&self, record: JobRecord) -> Result<Inserted, StoreError> {
		let txn = self.db.begin_write().map_err(db_err)?;
		{
			let mut table = txn.open_table(JOBS).map_err(db_err)?;
			let existing = match table.get(record.request.job_id.as_str()).map_err(db_err)? {
				Some(row) => Some(serde_json::from_slice::<JobRecord>(row.value())?),
				None => None,
			};
			if let Some(existing) = existing {
				return Ok(Inserted::Existing(existing));
			}
			let bytes = serde_json::to_vec(&record)?;
			table.insert(record.request.job_id.as_str(), bytes.as_slice()).map_err(db_err)?;
		}
		txn.commit().map_err(db_err)?;
		Ok(Inserted::New(record))
	}

	pub fn get(&self, job_id: &str) -> Result<Option<JobRecord>, StoreError> {
		let txn = self.db.begin_read().map_err(db_err)?;
		let table = txn.open_table(JOBS).map_err(db_err)?;
		let row = table.get(job_id).map_err(db_err)?;
		Ok(match row {
			Some(row) => Some(serde_json::from_slice(row.value())?),
			None => None,
		})
	}

	/// Reads, changes and writes one job in a single transaction; `change` returns
	/// whether it changed anything (nothing is written otherwise). Returns the job as
	/// it is after the call, or `None` if there is no such job.
	pub fn update(
		&self,
		job_id: &str,
		change: impl FnOnce(&mut JobRecord) -> bool,
	) -> Result<Option<JobRecord>, StoreError> {
		let txn = self.db.begin_write().map_err(db_err)?;
		let record = {
			let mut table = txn.open_table(JOBS).map_err(db_err)?;
			let current = match table.get(job_id).map_err(db_err)? {
				Some(row) => serde_json::from_slice::<JobRecord>(row.value())?,
				None => return Ok(None),
			};
			let mut record = current;
			if !change(&mut record) {
				return Ok(Some(record));
			}
			let bytes = serde_json::to_vec(&record)?;
			table.insert(job_id, bytes.as_slice()).map_err(db_err)?;
			record
		};
		txn.commit().map_err(db_err)?;
		Ok(Some(record))
	}

	/// Every job, or those in one state, oldest first.
	pub fn list(&self, state: Option<JobState>) -> Result<Vec<JobRecord>, StoreError> {
		let txn = self.db.begin_read().map_err(db_err)?;
		let table = txn.open_table(JOBS).map_err(db_err)?;
		let mut jobs = Vec::new();
		for row in table.iter().map_err(db_err)? {
			let (_, value) = row.map_err(db_err)?;
			let record: JobRecord = serde_json::from_slice(value.value())?;
			if state.is_none_or(|state| record.status.state == state) {
				jobs.push(record);
			}
		}
		jobs.sort_by(|a, b| {
			(a.status.accepted_at_ms, &a.request.job_id)
				.cmp(&(b.status.accepted_at_ms, &b.request.job_id))
		});
		Ok(jobs)
	}

	/// How many jobs the store holds.
	pub fn count(&self) -> Result<u64, StoreError> {
		let txn = self.db.begin_read().map_err(db_err)?;
		let table = txn.open_table(JOBS).map_err(db_err)?;
		table.len().map_err(db_err)
	}
}

#[cfg(test)]
pub(crate) mod tests {
	use super::*;
	use crate::job::{BackendKind, Resources, Workload};

	pub(crate) fn record(job_id: &str) -> JobRecord {
		JobRecord {
			request: JobRequest {
				job_id: job_id.into(),
				class: 0,
				units: "1000".into(),
				max_duration_ms: 1000,
				workload: Workload::Command {
					program: "/bin/true".into(),
					args: vec![],
					env: Default::default(),
				},
				input: None,
				resources: Resources::default(),
				network: false,
			},
			status: JobStatus::accepted(job_id, BackendKind::Process, 1),
			launch: Launch::NotLaunched,
			stop: None,
			stop_sent: false,
		}
	}

	#[test]
	fn insert_is_idempotent_and_survives_reopening() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("jobs.redb");
		{
			let store = Store::open(&path).unwrap();
			assert!(matches!(store.insert(record("1")).unwrap(), Inserted::New(_)));
			let mut other = record("1");
			other.request.units = "5".into();
			match store.insert(other).unwrap() {
				Inserted::Existing(existing) => assert_eq!(existing.request.units, "1000"),
				Inserted::New(_) => panic!("a second insert of job 1 replaced it"),
			}
			store
				.update("1", |r| {
					r.status.state = JobState::Running;
					true
				})
				.unwrap();
		}
		let store = Store::open(&path).unwrap();
		assert_eq!(store.get("1").unwrap().unwrap().status.state, JobState::Running);
		assert_eq!(store.count().unwrap(), 1);
	}

	#[test]
	fn update_of_an_unknown_job_changes_nothing() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(&dir.path().join("jobs.redb")).unwrap();
		assert!(store.update("9", |_| true).unwrap().is_none());
		assert_eq!(store.count().unwrap(), 0);
	}

	#[test]
	fn an_unchanged_update_writes_nothing_and_list_filters_by_state() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(&dir.path().join("jobs.redb")).unwrap();
		for id in ["3", "1", "2"] {
			let mut r = record(id);
			r.status.accepted_at_ms = id.parse().unwrap();
			store.insert(r).unwrap();
		}
		store
			.update("2", |r| {
				r.status.state = JobState::Completed;
				false
			})
			.unwrap();
		assert_eq!(store.get("2").unwrap().unwrap().status.state, JobState::Queued);
		let ids: Vec<_> = store
			.list(Some(JobState::Queued))
			.unwrap()
			.into_iter()
			.map(|r| r.request.job_id)
			.collect();
		assert_eq!(ids, ["1", "2", "3"]);
		assert!(store.list(Some(JobState::Running)).unwrap().is_empty());
	}

	/// A writer killed at a random point (SIGKILL, no clean shutdown) loses no job it
	/// acknowledged: the child prints each id after `insert` returns, the parent kills
	/// it mid-stream, reopens the store and finds every printed id.
	#[test]
	fn a_killed_writer_loses_no_acknowledged_job() {
		if let Ok(path) = std::env::var("UTC_AGENT_STORE_CRASH_CHILD") {
			let store = Store::open(Path::new(&path)).unwrap();
			for i in 0.. {
				store.insert(record(&i.to_string())).unwrap();
				store
					.update(&i.to_string(), |r| {
						r.status.state = JobState::Running;
						true
					})
					.unwrap();
				println!("ack {i}");
			}
			return;
		}
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("jobs.redb");
		for round in 0..3u64 {
			let mut child = std::process::Command::new(std::env::current_exe().unwrap())
				.args([
					"--exact",
					"store::tests::a_killed_writer_loses_no_acknowledged_job",
					"--nocapture",
				])
				.env("UTC_AGENT_STORE_CRASH_CHILD", &path)
				.stdout(std::process::Stdio::piped())
				.spawn()
				.unwrap();
			std::thread::sleep(std::time::Duration::from_millis(300 + 170 * round));
			child.kill().unwrap();
			let out = child.wait_with_output().unwrap();
			let acked: Vec<u64> = String::from_utf8_lossy(&out.stdout)
				.lines()
				.filter_map(|l| l.strip_prefix("ack ")?.trim().parse().ok())
				.collect();
			assert!(!acked.is_empty(), "the writer acknowledged nothing in round {round}");
			let store = Store::open(&path).unwrap();
			for id in &acked {
				let r =
					store.get(&id.to_string()).unwrap().unwrap_or_else(|| panic!("job {id} lost"));
				assert_eq!(r.status.state, JobState::Running, "job {id} lost its update");
			}
		}
	}
}
