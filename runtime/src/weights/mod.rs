//! The runtime's base weights, measured on an optimized node by
//! `scripts/bench-base-weights.sh`: an empty block's execution, one extrinsic's
//! cost beyond its call, and ParityDB's cost of a read and of a write.

pub mod block_weights;
pub mod extrinsic_weights;
// Its generated constants carry their measurements as doc comments on fields.
#[allow(unused_doc_comments)]
pub mod paritydb_weights;

pub use block_weights::BlockExecutionWeight;
pub use extrinsic_weights::ExtrinsicBaseWeight;
pub use paritydb_weights::constants::ParityDbWeight;
