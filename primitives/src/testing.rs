//! What the pallets' property tests share.

/// A small deterministic generator (a 64-bit linear congruential one), so a
/// random walk is the same on every run.
pub struct Lcg(pub u64);

impl Lcg {
	/// A number below `bound`.
	pub fn next(&mut self, bound: u64) -> u64 {
		self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
		(self.0 >> 33) % bound
	}
}
