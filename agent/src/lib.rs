//! utc-agent: the provider's local service that runs UTC chain's redeemed jobs for
//! real and reports them to the provider's node over the Agent API (v1).
//!
//! - [`api`]: the HTTP routes, bearer-token authentication and request checks;
//! - [`store`]: the job store (redb), committed before anything is acknowledged;
//! - [`supervisor`]: the loop that launches, polls, stops and settles jobs;
//! - [`backend`]: bubblewrap processes, podman containers and Slurm behind one trait;
//! - [`metering`]: output hashes and CPU time; [`metrics`]: the Prometheus exposition.

pub mod api;
pub mod backend;
pub mod cgroup;
pub mod config;
pub mod input;
pub mod job;
pub mod metering;
pub mod metrics;
pub mod service;
pub mod store;
pub mod supervisor;
