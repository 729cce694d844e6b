//! A fuzzer over the real UTC chain runtime.
//!
//! Block after block, a pool of accounts (governance, providers and their
//! operators, traders, job owners, the routing key) sends random calls of every
//! pallet as signed (or authorized) transactions through `frame_executive`, the
//! way a node applies them. After every call it checks that the storage keys the
//! call touched cost no more than the weight the block charged for it; after
//! every block, every pallet's `try_state`, that native supply changed only by
//! dust, that each class's supply changed only by its mints, redemptions,
//! refunds and retirements, and the invariants a user relies on:
//! - a trader who can pay can rest an order at a fresh better price in any open
//!   market;
//! - a provider that owes units has a bond priced for them, under modules it
//!   cannot leave, and only slashes leave it short;
//! - every resting order can be cancelled by its owner;
//! - every queued expiry sits at or after the expiry sweep's cursor.
//!
//! The run is a function of its seed: a failure prints the seed, the block and
//! the calls of that block, and the same seed replays it.

pub mod counting;

use codec::Encode;
use counting::{Accesses, Counting};
use frame_support::{
	storage::{with_transaction, TransactionOutcome},
	traits::{
		fungible::Mutate as _, fungibles::Inspect as _, fungibles::Mutate as _, Get, TryState,
		TryStateSelect, WhitelistedStorageKeys,
	},
};
use sp_core::{sr25519, Pair, H256};
use sp_keyring::Sr25519Keyring as Keyring;
use sp_runtime::{DispatchError, MultiSignature, Permill};
use std::collections::{BTreeMap, BTreeSet};
use utc_primitives::{ClassId, Evidence, ModuleId, Units};
use utc_runtime::{
	testing, AccountId, AllPalletsWithSystem, Assets, Balance, Balances, BlockNumber, Executive,
	Hash, Orderbook, Runtime, RuntimeCall, RuntimeEvent, RuntimeOrigin, Sla, System, MILLI_UNIT,
	UNIT,
};

use pallet_compute::{AttestationPayload, AttestorKey};
use pallet_federation::{JobReport, JobState, WorkloadKinds};
use pallet_orderbook::{Asset, MarketStatus, Side, TimeInForce};
use pallet_sla::{ModuleKind, PenaltySchedule, Verdict};

/// What a run does.
#[derive(Clone, Debug)]
pub struct Config {
	/// Every choice follows from it.
	pub seed: u64,
	/// Calls to send in all.
	pub calls: u64,
	/// Calls per block at most (each block gets between one and this many).
	pub calls_per_block: u32,
	/// Print every call as it is sent.
	pub trace: bool,
}

impl Default for Config {
	fn default() -> Self {
		Self { seed: 0x07c_5eed, calls: 100_000, calls_per_block: 40, trace: false }
	}
}

/// What a run did: calls sent, how they ended, per call name.
#[derive(Default, Debug)]
pub struct Report {
	pub blocks: u32,
	pub calls: u64,
	/// name → (dispatched without error, dispatched with an error, refused by the pool checks).
	pub outcomes: BTreeMap<&'static str, (u64, u64, u64)>,
	/// (call, error) → how often the call failed with the error.
	pub errors: BTreeMap<(&'static str, String), u64>,
}

impl Report {
	/// Calls of `name` that dispatched without error.
	pub fn succeeded(&self, name: &str) -> u64 {
		self.outcomes.get(name).map_or(0, |o| o.0)
	}
}

impl std::fmt::Display for Report {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		writeln!(f, "{} calls in {} blocks", self.calls, self.blocks)?;
		writeln!(f, "{:<36} {:>8} {:>8} {:>8}", "call", "ok", "error", "refused")?;
		for (name, (ok, err, refused)) in &self.outcomes {
			writeln!(f, "{name:<36} {ok:>8} {err:>8} {refused:>8}")?;
		}
		let mut errors: Vec<_> = self.errors.iter().collect();
		errors.sort_by(|a, b| b.1.cmp(a.1));
		writeln!(f, "most frequent errors:")?;
		for ((name, error), count) in errors.into_iter().take(20) {
			writeln!(f, "{count:>8}  {name}: {error}")?;
		}
		Ok(())
	}
}

/// A broken invariant, with what reproduces it.
#[derive(Debug)]
pub struct Failure {
	pub seed: u64,
	pub block: BlockNumber,
	pub what: String,
	/// The calls of the failing block, in order.
	pub calls: Vec<String>,
	/// Calls sent up to the end of the failing block: a run of as many replays it.
	pub replay_calls: u64,
}

impl std::fmt::Display for Failure {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		writeln!(
			f,
			"invariant broken at block {} (seed {:#x}): {}",
			self.block, self.seed, self.what
		)?;
		writeln!(
			f,
			"replay: SKIP_WASM_BUILD=1 cargo run --release -p utc-fuzz -- --seed {:#x} --calls {} --trace",
			self.seed,
			self.replay_calls
		)?;
		writeln!(f, "the block's calls:")?;
		for (i, call) in self.calls.iter().enumerate() {
			writeln!(f, "  {i:>3}. {call}")?;
		}
		Ok(())
	}
}

/// splitmix64: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
	fn next(&mut self) -> u64 {
		self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
		let mut z = self.0;
		z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
		z ^ (z >> 31)
	}

	/// Uniform in `0..n` (0 when `n` is 0).
	fn below(&mut self, n: u64) -> u64 {
		if n == 0 {
			0
		} else {
			self.next() % n
		}
	}

	/// Uniform in `lo..=hi`.
	fn range(&mut self, lo: u128, hi: u128) -> u128 {
		lo + u128::from(self.next()) % (hi - lo + 1)
	}

	/// True `percent` times in a hundred.
	fn chance(&mut self, percent: u64) -> bool {
		self.below(100) < percent
	}

	fn pick<T: Copy>(&mut self, items: &[T]) -> T {
		items[self.below(items.len() as u64) as usize]
	}
}

const GOVERNANCE: Keyring = Keyring::Alice;
const PROVIDERS: [Keyring; 3] = [Keyring::Bob, Keyring::Charlie, Keyring::Dave];
const OPERATORS: [Keyring; 3] = [Keyring::BobStash, Keyring::CharlieStash, Keyring::DaveStash];
const EVERYONE: [Keyring; 12] = [
	Keyring::Alice,
	Keyring::Bob,
	Keyring::Charlie,
	Keyring::Dave,
	Keyring::Eve,
	Keyring::Ferdie,
	Keyring::AliceStash,
	Keyring::BobStash,
	Keyring::CharlieStash,
	Keyring::DaveStash,
	Keyring::EveStash,
	Keyring::FerdieStash,
];
/// The dev chain's example class.
const CLASS: ClassId = 0;
/// At most this many markets and SLA modules are created, so calls meet each
/// other; governance defines modules while fewer than `MIN_ACTIVE_MODULES` are
/// active.
const MAX_MARKETS: u32 = 3;
const MAX_MODULES: u32 = 32;
const MIN_ACTIVE_MODULES: usize = 4;

/// One transaction to send: who signs it (none for an authorized call), the
/// call, and its name in the report.
struct Tx {
	signer: Option<Keyring>,
	call: RuntimeCall,
	name: &'static str,
}

fn signed(signer: Keyring, name: &'static str, call: RuntimeCall) -> Tx {
	Tx { signer: Some(signer), call, name }
}

fn sudo(name: &'static str, call: RuntimeCall) -> Tx {
	signed(GOVERNANCE, name, RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(call) }))
}

fn account(k: Keyring) -> AccountId {
	k.to_account_id()
}

fn text(bytes: &[u8]) -> pallet_compute::StringOf<Runtime> {
	bytes.to_vec().try_into().expect("short text")
}

/// The chain, the accounts' nonces and the dev attestor's next nonce.
struct World {
	ext: sp_io::TestExternalities,
	rng: Rng,
	block: BlockNumber,
	parent: Hash,
	nonces: BTreeMap<AccountId, u32>,
	attestor: sr25519::Pair,
	attestor_nonce: u64,
	whitelist: BTreeSet<Vec<u8>>,
	candidates: Vec<Candidate>,
}

/// An account that may join the validators: its session keys, made in the
/// runtime's keystore from its dev seed, and their ownership proof.
struct Candidate {
	who: Keyring,
	keys: utc_runtime::SessionKeys,
	proof: Vec<u8>,
}

/// Bob and Charlie may join and leave the validators; Alice, whose routing key
/// signs the routing batches, stays.
const CANDIDATES: [Keyring; 2] = [Keyring::Bob, Keyring::Charlie];

/// Runs `config`, returning what it did or the first broken invariant.
pub fn run(config: &Config) -> Result<Report, Failure> {
	let mut world = World {
		ext: testing::genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET),
		rng: Rng(config.seed),
		block: 0,
		parent: Hash::zero(),
		nonces: BTreeMap::new(),
		attestor: sr25519::Pair::from_string("//Attestor", None).expect("a dev seed"),
		attestor_nonce: 0,
		whitelist: BTreeSet::new(),
		candidates: Vec::new(),
	};
	world.ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	world.candidates = world.ext.execute_with(|| {
		CANDIDATES
			.iter()
			.map(|who| {
				let seed = who.to_seed().into_bytes();
				let generated =
					utc_runtime::SessionKeys::generate(&account(*who).encode(), Some(seed));
				Candidate { who: *who, keys: generated.keys, proof: generated.proof.encode() }
			})
			.collect()
	});
	world.parent = world.ext.execute_with(|| System::block_hash(0));
	world.whitelist = world.ext.execute_with(|| {
		AllPalletsWithSystem::whitelisted_storage_keys().into_iter().map(|k| k.key).collect()
	});
	let mut report = Report::default();
	while report.calls < config.calls {
		let per_block = 1 + world.rng.below(u64::from(config.calls_per_block)) as u32;
		let count = per_block.min((config.calls - report.calls) as u32);
		let before = report.calls;
		world.block(config, count, &mut report).map_err(|mut failure| {
			failure.replay_calls = before + u64::from(count);
			failure
		})?;
	}
	Ok(report)
}

impl World {
	/// Authors one block of `count` calls and checks it.
	fn block(&mut self, config: &Config, count: u32, report: &mut Report) -> Result<(), Failure> {
		self.block += 1;
		let number = self.block;
		let header = testing::header(number, self.parent, u64::from(number));
		let before = self.ext.execute_with(|| {
			// Taken before the block's hooks: their events count in the block.
			let before = Supplies::now();
			Executive::initialize_block(&header);
			Executive::apply_extrinsic(testing::timestamp(u64::from(number)))
				.expect("the timestamp applies")
				.expect("the timestamp dispatches");
			before
		});
		let mut sent = Vec::new();
		for _ in 0..count {
			let send = self.generate();
			if config.trace {
				println!("#{number} {:?}: {:?}", send.signer, send.call);
			}
			sent.push(format!("{:?}: {:?}", send.signer, send.call));
			let fail = |what: String, sent: &Vec<String>| Failure {
				seed: config.seed,
				block: number,
				what,
				calls: sent.clone(),
				replay_calls: 0,
			};
			let outcome = self.apply(&send).map_err(|what| fail(what, &sent))?;
			report.calls += 1;
			let entry = report.outcomes.entry(send.name).or_default();
			match outcome {
				Outcome::Ok => entry.0 += 1,
				Outcome::Error(error) => {
					entry.1 += 1;
					*report.errors.entry((send.name, error_name(error))).or_default() += 1;
				}
				Outcome::Refused => entry.2 += 1,
			}
		}
		let checked = self.ext.execute_with(|| {
			let header = Executive::finalize_block();
			(header, check_block(number, &before))
		});
		report.blocks += 1;
		self.parent = sp_runtime::traits::Header::hash(&checked.0);
		checked.1.map_err(|what| Failure {
			seed: config.seed,
			block: number,
			what,
			calls: sent,
			replay_calls: 0,
		})?;
		// The next block starts from everything committed: reads come from the backend.
		self.ext.commit_all().expect("commits");
		Ok(())
	}

	/// Sends one transaction, counting what it touches against what it is charged.
	fn apply(&mut self, send: &Tx) -> Result<Outcome, String> {
		let nonce = send.signer.map(|signer| *self.nonces.entry(account(signer)).or_insert(0));
		// Signing reads the genesis hash from the chain.
		let xt = self.ext.execute_with(|| match (send.signer, nonce) {
			(Some(signer), Some(nonce)) => testing::signed(signer, nonce, send.call.clone()),
			_ => testing::authorized(send.call.clone()),
		});
		let mut whitelist = self.whitelist.clone();
		if let Some(signer) = send.signer {
			// The benchmarks do not charge the caller's account either.
			whitelist.insert(frame_system::Account::<Runtime>::hashed_key_for(account(signer)));
		}
		let charged_before = self.ext.execute_with(|| System::block_weight().total());
		let (result, accesses) = {
			let mut ext = self.ext.ext();
			let mut counting = Counting { inner: &mut ext, accesses: Accesses::new(whitelist) };
			// As a block builder does: a refused transaction leaves no trace (its
			// nonce, for one, may have been taken before a later check refused it).
			let result = sp_externalities::set_and_run_with_externalities(&mut counting, || {
				sp_io::storage::start_transaction();
				let result = Executive::apply_extrinsic(xt);
				if result.is_ok() {
					sp_io::storage::commit_transaction();
				} else {
					sp_io::storage::rollback_transaction();
				}
				result
			});
			(result, counting.accesses)
		};
		let Ok(dispatched) = result else { return Ok(Outcome::Refused) };
		if let Some(signer) = send.signer {
			*self.nonces.entry(account(signer)).or_insert(0) += 1;
		}
		let charged = self.ext.execute_with(|| System::block_weight().total()) - charged_before;
		let (reads, writes) = accesses.counts();
		let db = <Runtime as frame_system::Config>::DbWeight::get().reads_writes(reads, writes);
		if db.ref_time() > charged.ref_time() {
			return Err(format!(
				"{} touched {reads} keys and wrote {writes}, worth {} ps of database time, \
				 but the block charged it {} ps",
				send.name,
				db.ref_time(),
				charged.ref_time()
			));
		}
		Ok(match dispatched {
			Ok(()) => Outcome::Ok,
			Err(e) => Outcome::Error(e),
		})
	}

	/// A random call by a fitting account, with arguments drawn near the state so
	/// that most of them can succeed and the rest fail in every way they may.
	fn generate(&mut self) -> Tx {
		let World { ext, rng, attestor, attestor_nonce, block, candidates, .. } = self;
		ext.execute_with(|| generate(rng, attestor, attestor_nonce, *block, candidates))
	}
}

enum Outcome {
	Ok,
	Error(DispatchError),
	Refused,
}

/// A dispatch error by name: `Module.Error` for a pallet's error.
fn error_name(error: DispatchError) -> String {
	match error {
		DispatchError::Module(module) => {
			let meta: &'static str = module.message.unwrap_or("?");
			format!("{}#{} {}", module.index, module.error[0], meta)
		}
		other => format!("{other:?}"),
	}
}

/// Native issuance and each class's token supply.
struct Supplies {
	native: Balance,
	classes: BTreeMap<ClassId, Units>,
}

impl Supplies {
	fn now() -> Self {
		let classes = pallet_compute::Classes::<Runtime>::iter_keys()
			.map(|c| (c, Assets::total_issuance(c)))
			.collect();
		Self { native: Balances::total_issuance(), classes }
	}
}

/// The checks after a block (`before`: the supplies when it began).
fn check_block(number: BlockNumber, before: &Supplies) -> Result<(), String> {
	AllPalletsWithSystem::try_state(number, TryStateSelect::All)
		.map_err(|e| format!("try_state: {e:?}"))?;
	check_supplies(before)?;
	check_fresh_prices()?;
	check_obligations_bonded()?;
	check_orders_cancellable()?;
	check_expiry_queue()
}

/// Native issuance changes only by dust; a class's supply only by its events.
fn check_supplies(before: &Supplies) -> Result<(), String> {
	let mut dust: Balance = 0;
	let mut expected: BTreeMap<ClassId, i128> = BTreeMap::new();
	for record in System::events() {
		match record.event {
			RuntimeEvent::Balances(pallet_balances::Event::DustLost { amount, .. }) => {
				dust += amount
			}
			RuntimeEvent::Compute(event) => {
				use pallet_compute::Event::*;
				let (class, delta) = match event {
					Minted { class, amount, .. } => (class, amount as i128),
					Refunded { class, units, .. } => (class, units as i128),
					Retired { class, amount, .. } => (class, -(amount as i128)),
					Redeemed { class, units, .. } => (class, -(units as i128)),
					_ => continue,
				};
				*expected.entry(class).or_default() += delta;
			}
			_ => {}
		}
	}
	let after = Supplies::now();
	if after.native + dust != before.native {
		return Err(format!(
			"native issuance went from {} to {} with {dust} of dust lost",
			before.native, after.native
		));
	}
	for (class, supply) in &after.classes {
		let was = before.classes.get(class).copied().unwrap_or_default() as i128;
		let delta = expected.get(class).copied().unwrap_or_default();
		if *supply as i128 != was + delta {
			return Err(format!(
				"class {class} supply went from {was} to {supply}, its events explain {delta}"
			));
		}
	}
	Ok(())
}

/// In every open market, on each side with room between the best prices, a
/// fresh trader with the funds rests an order one tick better than the best.
fn check_fresh_prices() -> Result<(), String> {
	for (id, market) in pallet_orderbook::Markets::<Runtime>::iter() {
		if market.status != MarketStatus::Active {
			continue;
		}
		let bid = Orderbook::best_price(id, Side::Bid);
		let ask = Orderbook::best_price(id, Side::Ask);
		let tick = market.tick_size;
		for side in [Side::Bid, Side::Ask] {
			let price = match (side, bid, ask) {
				(Side::Bid, Some(b), a) => Some(b + tick).filter(|p| a.is_none_or(|a| *p < a)),
				(Side::Bid, None, Some(a)) => a.checked_sub(tick).filter(|p| *p > 0),
				(Side::Bid, None, None) => Some(tick * 1_000),
				(Side::Ask, b, Some(a)) => {
					a.checked_sub(tick).filter(|p| *p > 0 && b.is_none_or(|b| *p > b))
				}
				(Side::Ask, Some(b), None) => Some(b + tick),
				(Side::Ask, None, None) => Some(tick * 1_000),
			};
			let Some(price) = price else { continue };
			let min_value: Balance = <Runtime as pallet_orderbook::Config>::MinOrderValue::get();
			let units = market.min_order.max(min_value.div_ceil(price));
			let amount = units.div_ceil(market.lot_size) * market.lot_size;
			let result = rolled_back(|| {
				let fresh = AccountId::new([0xfe; 32]);
				Balances::set_balance(&fresh, 1_000_000_000 * UNIT);
				Assets::mint_into(market.base, &fresh, amount)?;
				Orderbook::place_order(
					RuntimeOrigin::signed(fresh),
					id,
					side,
					price,
					amount,
					TimeInForce::Gtc,
					None,
					1,
				)
				.map(|_| ())
				.map_err(|e| e.error)
			});
			result.map_err(|e| {
				format!("market {id}: a funded trader cannot rest a {side:?} of {amount} at the fresh price {price}: {e:?}")
			})?;
		}
	}
	Ok(())
}

/// A provider owing units in a class has a bond priced for them there and cannot
/// leave the class's modules; its bond is short of the requirement only after a
/// slash.
fn check_obligations_bonded() -> Result<(), String> {
	for (who, class, ledger) in pallet_compute::Ledgers::<Runtime>::iter() {
		if ledger.obligation == 0 {
			continue;
		}
		let subscriptions = pallet_sla::Subscriptions::<Runtime>::get(&who);
		let in_class: Vec<ModuleId> =
			subscriptions.iter().filter(|(c, _)| *c == class).map(|(_, m)| *m).collect();
		if in_class.is_empty() {
			return Err(format!(
				"{who} owes {} in class {class} under no module",
				ledger.obligation
			));
		}
		for module in in_class {
			let left =
				rolled_back(|| Sla::unsubscribe(RuntimeOrigin::signed(who.clone()), class, module));
			if left.is_ok() {
				return Err(format!(
					"{who} left module {module} of class {class} while owing there"
				));
			}
		}
		let required = Sla::required_bond(&who, &subscriptions);
		if required == 0 {
			return Err(format!("{who}'s obligation in class {class} requires no bond"));
		}
		let active = pallet_sla::Bonds::<Runtime>::get(&who).map(|l| l.active).unwrap_or_default();
		let slashed = !pallet_sla::SlashHistory::<Runtime>::get(&who).is_empty();
		if active < required && !slashed {
			return Err(format!("{who}'s bond {active} is short of {required} with no slash"));
		}
	}
	Ok(())
}

/// Every resting order can be cancelled by its owner (a sample of them each block).
fn check_orders_cancellable() -> Result<(), String> {
	for (owner, id, _) in pallet_orderbook::OpenOrders::<Runtime>::iter().take(16) {
		rolled_back(|| Orderbook::cancel_order(RuntimeOrigin::signed(owner.clone()), id))
			.map_err(|e| format!("order {id} of {owner} cannot be cancelled: {e:?}"))?;
	}
	Ok(())
}

/// No expiry is queued before the sweep's cursor, where the sweep would never look.
fn check_expiry_queue() -> Result<(), String> {
	let cursor = pallet_orderbook::ExpiryCursor::<Runtime>::get();
	for (at, orders) in pallet_orderbook::ExpiryQueue::<Runtime>::iter() {
		if at < cursor && !orders.is_empty() {
			return Err(format!(
				"{} expiries queued at {at}, before the cursor {cursor}",
				orders.len()
			));
		}
	}
	Ok(())
}

/// Runs `f` and undoes whatever it changed.
fn rolled_back(f: impl FnOnce() -> Result<(), DispatchError>) -> Result<(), DispatchError> {
	with_transaction(|| TransactionOutcome::Rollback(Ok::<_, DispatchError>(f())))
		.expect("a rolled-back layer")
}

/// The routing key of the dev chain signs batches; its account is Alice's.
fn routing_key() -> pallet_federation::routing_crypto::Public {
	pallet_federation::routing_crypto::Public::from(Keyring::Alice.public())
}

fn generate(
	rng: &mut Rng,
	attestor: &sr25519::Pair,
	attestor_nonce: &mut u64,
	block: BlockNumber,
	candidates: &[Candidate],
) -> Tx {
	let markets: Vec<(u32, pallet_orderbook::Market)> =
		pallet_orderbook::Markets::<Runtime>::iter().collect();
	let next_module = pallet_sla::NextModuleId::<Runtime>::get();
	let active_modules: Vec<ModuleId> = pallet_sla::Modules::<Runtime>::iter()
		.filter(|(_, m)| m.status == pallet_sla::ModuleStatus::Active)
		.map(|(id, _)| id)
		.collect();
	let next_job = pallet_federation::NextJobId::<Runtime>::get();
	let module = |rng: &mut Rng| rng.below(u64::from(next_module) + 1) as ModuleId;
	let job = |rng: &mut Rng| rng.below(next_job + 1);
	let p = rng.below(PROVIDERS.len() as u64) as usize;
	let (provider, operator) = (PROVIDERS[p], OPERATORS[p]);
	let anyone = rng.pick(&EVERYONE);

	match rng.below(100) {
		// Governance.
		0 => {
			if (markets.len() as u32) < MAX_MARKETS {
				let tick = rng.pick(&[1_000_000u128, 10_000_000]);
				sudo(
					"orderbook.create_market",
					RuntimeCall::Orderbook(pallet_orderbook::Call::create_market {
						base: CLASS,
						tick_size: tick,
						lot_size: rng.pick(&[1u128, 10]),
						min_order: rng.pick(&[1u128, 10, 100]),
						maker_fee: Permill::from_parts(rng.below(5_000) as u32),
						taker_fee: Permill::from_parts(rng.below(5_000) as u32),
					}),
				)
			} else {
				let market = rng.below(MAX_MARKETS as u64 + 1) as u32;
				let status =
					if rng.chance(90) { MarketStatus::Active } else { MarketStatus::Halted };
				sudo(
					"orderbook.set_market_status",
					RuntimeCall::Orderbook(pallet_orderbook::Call::set_market_status {
						market,
						status,
					}),
				)
			}
		}
		1 => {
			if active_modules.len() < MIN_ACTIVE_MODULES && next_module < MAX_MODULES {
				let kind = match rng.below(4) {
					0 => {
						ModuleKind::Uptime { min_per_mille: 900, window: 20 + rng.below(40) as u32 }
					}
					1 => ModuleKind::StartLatency { max_blocks: 1 + rng.below(5) as u32 },
					2 => {
						ModuleKind::CompletionTime { max_blocks_per_unit: 1 + rng.below(3) as u32 }
					}
					_ => ModuleKind::Throughput { min_score: rng.below(1_000) as u32 },
				};
				sudo(
					"sla.define_module",
					RuntimeCall::Sla(pallet_sla::Call::define_module {
						kind,
						bond_per_unit: rng.range(1, MILLI_UNIT),
						penalty: PenaltySchedule {
							min_rate: sp_runtime::Perbill::from_percent(10),
							max_rate: sp_runtime::Perbill::from_percent(rng.range(10, 100) as u32),
							compensation_per_unit: rng.range(0, MILLI_UNIT / 2),
						},
					}),
				)
			} else if rng.chance(5) {
				// Rarely: a retired module backs nothing new.
				sudo(
					"sla.retire_module",
					RuntimeCall::Sla(pallet_sla::Call::retire_module { module: module(rng) }),
				)
			} else {
				sudo(
					"sla.set_parameters",
					RuntimeCall::Sla(pallet_sla::Call::set_parameters {
						parameters: pallet_sla::SlaParameters {
							unbonding_delay: 10 + rng.below(20) as BlockNumber,
							dispute_window: 1 + rng.below(6) as BlockNumber,
							slash_defer: rng.below(5) as BlockNumber,
						},
					}),
				)
			}
		}
		2 => {
			let dispute = rng.below(pallet_sla::NextDisputeId::<Runtime>::get() + 1);
			let verdict = if rng.chance(50) {
				Verdict::Upheld(if rng.chance(50) {
					Evidence::Failed
				} else {
					Evidence::Measured(rng.below(1_000) as u32)
				})
			} else {
				Verdict::Dismissed
			};
			sudo("sla.resolve", RuntimeCall::Sla(pallet_sla::Call::resolve { dispute, verdict }))
		}
		3 => {
			if rng.chance(50) {
				let slash = rng.below(pallet_sla::NextSlashId::<Runtime>::get() + 1);
				sudo("sla.cancel_slash", RuntimeCall::Sla(pallet_sla::Call::cancel_slash { slash }))
			} else {
				sudo(
					"sla.record_violation",
					RuntimeCall::Sla(pallet_sla::Call::record_violation {
						provider: account(provider),
						module: module(rng),
						class: CLASS,
						units: rng.range(1, 2_000),
						evidence: if rng.chance(50) {
							Evidence::Failed
						} else {
							Evidence::Measured(rng.below(1_000) as u32)
						},
						job: if rng.chance(50) { Some(job(rng)) } else { None },
					}),
				)
			}
		}
		4 => {
			let treasury = utc_runtime::configs::TreasuryAccount::get();
			let spendable = Balances::free_balance(&treasury) / 2;
			if rng.chance(60) && spendable > 0 {
				sudo(
					"treasury.spend",
					RuntimeCall::Treasury(pallet_treasury::Call::spend {
						asset_kind: Box::new(()),
						amount: rng.range(1, spendable),
						beneficiary: Box::new(account(anyone)),
						valid_from: None,
					}),
				)
			} else {
				let index =
					rng.below(u64::from(pallet_treasury::SpendCount::<Runtime>::get()) + 1) as u32;
				signed(
					anyone,
					"treasury.payout",
					RuntimeCall::Treasury(pallet_treasury::Call::payout { index }),
				)
			}
		}
		// Providers.
		5..=7 => {
			if rng.chance(10) {
				// A provider that comes and goes before it attests anything.
				let churn = Keyring::FerdieStash;
				let registered = pallet_compute::Providers::<Runtime>::contains_key(account(churn));
				let held = pallet_sla::Subscriptions::<Runtime>::get(account(churn));
				return match (registered, rng.below(3)) {
					(true, 0) => signed(
						churn,
						"compute.deregister_provider",
						RuntimeCall::Compute(pallet_compute::Call::deregister_provider {}),
					),
					(true, 1) if !active_modules.is_empty() => signed(
						churn,
						"sla.subscribe",
						RuntimeCall::Sla(pallet_sla::Call::subscribe {
							class: CLASS,
							module: rng.pick(&active_modules),
						}),
					),
					(true, _) if !held.is_empty() => {
						let (class, module) = held[rng.below(held.len() as u64) as usize];
						signed(
							churn,
							"sla.unsubscribe",
							RuntimeCall::Sla(pallet_sla::Call::unsubscribe { class, module }),
						)
					}
					_ => signed(
						churn,
						"compute.register_provider",
						RuntimeCall::Compute(pallet_compute::Call::register_provider {
							name: text(b"short-lived"),
							region: text(b"EU"),
						}),
					),
				};
			}
			if !pallet_compute::Providers::<Runtime>::contains_key(account(provider))
				|| rng.chance(10)
			{
				signed(
					provider,
					"compute.register_provider",
					RuntimeCall::Compute(pallet_compute::Call::register_provider {
						name: text(b"GPU farm"),
						region: text(rng.pick(&[b"EU".as_slice(), b"US-EAST", b"eu"])),
					}),
				)
			} else if rng.chance(5) {
				signed(
					provider,
					"compute.deregister_provider",
					RuntimeCall::Compute(pallet_compute::Call::deregister_provider {}),
				)
			} else if rng.chance(70) {
				signed(
					provider,
					"compute.update_provider",
					RuntimeCall::Compute(pallet_compute::Call::update_provider {
						name: text(b"GPU farm 2"),
						region: text(rng.pick(&[b"EU".as_slice(), b"US-WEST", b"e u"])),
					}),
				)
			} else {
				// Governance revokes one of the provider's attestations, mostly.
				let held = pallet_compute::Providers::<Runtime>::get(account(provider))
					.map(|p| p.attestations.into_inner())
					.unwrap_or_default();
				let attestation = if held.is_empty() || rng.chance(10) {
					rng.below(pallet_compute::NextAttestationId::<Runtime>::get() + 1)
				} else {
					held[rng.below(held.len() as u64) as usize]
				};
				sudo(
					"compute.revoke_attestation",
					RuntimeCall::Compute(pallet_compute::Call::revoke_attestation { attestation }),
				)
			}
		}
		8..=13 => {
			// An attestation by the dev attestor: mostly fresh, sometimes replayed,
			// sometimes signed by someone else or without the domain tag.
			let nonce = if rng.chance(90) {
				*attestor_nonce += 1;
				*attestor_nonce
			} else {
				attestor_nonce.saturating_sub(rng.below(200))
			};
			let from = block + rng.below(3) as BlockNumber;
			let payload = AttestationPayload {
				genesis_hash: System::block_hash(0),
				provider: account(provider),
				class: CLASS,
				units: rng.range(1, 50_000),
				valid_from: from,
				valid_until: from + 20 + rng.below(400) as BlockNumber,
				evidence_hash: H256::repeat_byte(rng.below(256) as u8),
				nonce,
			};
			let message = payload.message();
			let signature = match rng.below(20) {
				0 => Keyring::Eve.pair().sign(&message),
				1 => attestor.sign(&payload.encode()),
				_ => attestor.sign(&message),
			};
			signed(
				provider,
				"compute.submit_attestation",
				RuntimeCall::Compute(pallet_compute::Call::submit_attestation {
					attestor: AttestorKey::Sr25519(attestor.public()),
					attestation: payload,
					signature: MultiSignature::Sr25519(signature),
				}),
			)
		}
		14..=19 => signed(
			provider,
			"compute.mint",
			RuntimeCall::Compute(pallet_compute::Call::mint {
				class: CLASS,
				amount: rng.range(1, 5_000),
			}),
		),
		20..=21 => signed(
			provider,
			"compute.retire",
			RuntimeCall::Compute(pallet_compute::Call::retire {
				class: CLASS,
				amount: rng.range(1, 2_000),
			}),
		),
		22..=25 => signed(
			provider,
			"sla.bond",
			RuntimeCall::Sla(pallet_sla::Call::bond { amount: rng.range(MILLI_UNIT, 20 * UNIT) }),
		),
		26..=27 => signed(
			provider,
			"sla.unbond",
			RuntimeCall::Sla(pallet_sla::Call::unbond { amount: rng.range(1, 10 * UNIT) }),
		),
		28 => signed(
			provider,
			"sla.withdraw_unbonded",
			RuntimeCall::Sla(pallet_sla::Call::withdraw_unbonded {}),
		),
		29..=30 => signed(
			provider,
			"sla.subscribe",
			RuntimeCall::Sla(pallet_sla::Call::subscribe { class: CLASS, module: module(rng) }),
		),
		31 => {
			// One of its subscriptions, mostly.
			let held = pallet_sla::Subscriptions::<Runtime>::get(account(provider));
			let (class, module) = if held.is_empty() || rng.chance(10) {
				(CLASS, module(rng))
			} else {
				held[rng.below(held.len() as u64) as usize]
			};
			signed(
				provider,
				"sla.unsubscribe",
				RuntimeCall::Sla(pallet_sla::Call::unsubscribe { class, module }),
			)
		}
		32 => {
			if rng.chance(50) {
				signed(
					provider,
					"federation.set_operator",
					RuntimeCall::Federation(pallet_federation::Call::set_operator {
						operator: account(operator),
					}),
				)
			} else {
				signed(
					provider,
					"federation.declare_service",
					RuntimeCall::Federation(pallet_federation::Call::declare_service {
						kinds: WorkloadKinds {
							command: true,
							container: rng.chance(80),
							batch: rng.chance(80),
						},
						concurrency: rng.below(5) as u32,
					}),
				)
			}
		}
		33..=35 => signed(
			operator,
			"federation.heartbeat",
			RuntimeCall::Federation(pallet_federation::Call::heartbeat {}),
		),
		36..=40 => {
			// The operator reports one of its provider's jobs, in order mostly.
			let owned: Vec<(u64, JobState<AccountId, BlockNumber>)> =
				pallet_federation::ProviderJobs::<Runtime>::iter_prefix(account(provider))
					.filter_map(|(id, ())| {
						pallet_federation::Jobs::<Runtime>::get(id).map(|j| (id, j.state))
					})
					.collect();
			let (id, state) = if owned.is_empty() || rng.chance(5) {
				(job(rng), JobState::Pending)
			} else {
				owned[rng.below(owned.len() as u64) as usize].clone()
			};
			let report = match (state, rng.below(10)) {
				(JobState::Assigned { .. }, 0..=7) => JobReport::Started,
				(JobState::Running { .. }, 0..=7) => JobReport::Completed {
					usage: rng.range(
						0,
						pallet_federation::Jobs::<Runtime>::get(id).map_or(2_000, |j| j.units + 1),
					),
					result_hash: H256::repeat_byte(7),
				},
				(_, 8) => JobReport::Started,
				_ => JobReport::Failed { reason: b"exit 1".to_vec().try_into().expect("short") },
			};
			signed(
				operator,
				"federation.report_job",
				RuntimeCall::Federation(pallet_federation::Call::report_job { job: id, report }),
			)
		}
		41 => {
			// The provider answers a report against it, mostly.
			let open: Vec<u64> =
				pallet_sla::ProviderDisputes::<Runtime>::iter_key_prefix(account(provider))
					.collect();
			let dispute = if open.is_empty() || rng.chance(10) {
				rng.below(pallet_sla::NextDisputeId::<Runtime>::get() + 1)
			} else {
				open[rng.below(open.len() as u64) as usize]
			};
			signed(
				provider,
				"sla.respond",
				RuntimeCall::Sla(pallet_sla::Call::respond {
					dispute,
					response_hash: H256::repeat_byte(3),
				}),
			)
		}
		// Trading.
		42..=69 => {
			let trader = anyone;
			if markets.is_empty() {
				return signed(
					trader,
					"balances.transfer_keep_alive",
					RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
						dest: account(rng.pick(&EVERYONE)).into(),
						value: rng.range(1, 10 * UNIT),
					}),
				);
			}
			let (market, m) = markets[rng.below(markets.len() as u64) as usize].clone();
			match rng.below(12) {
				0..=6 => {
					let side = if rng.chance(50) { Side::Bid } else { Side::Ask };
					// Around 1 UNIT an hour (a thousandth of an hour is the smallest unit).
					let mid = 1_000_000_000u128 / m.tick_size;
					let ticks = (mid as i128 + rng.below(41) as i128 - 20).max(1) as u128;
					let price =
						if rng.chance(3) { ticks * m.tick_size + 1 } else { ticks * m.tick_size };
					let lots = rng.range(1, 200);
					let amount =
						if rng.chance(3) { lots * m.lot_size + 1 } else { lots * m.lot_size };
					let time_in_force = match rng.below(10) {
						0 => TimeInForce::Ioc,
						1 => TimeInForce::Fok,
						2 => TimeInForce::PostOnly,
						_ => TimeInForce::Gtc,
					};
					let expires_at = if rng.chance(30) {
						Some(block + rng.below(30) as BlockNumber)
					} else {
						None
					};
					signed(
						trader,
						"orderbook.place_order",
						RuntimeCall::Orderbook(pallet_orderbook::Call::place_order {
							market,
							side,
							price,
							amount,
							time_in_force,
							expires_at,
							max_fills: rng.below(40) as u32,
						}),
					)
				}
				7..=8 => {
					let own: Vec<u64> =
						pallet_orderbook::OpenOrders::<Runtime>::iter_key_prefix(account(trader))
							.collect();
					let order_id = if own.is_empty() || rng.chance(10) {
						rng.below(pallet_orderbook::NextOrderId::<Runtime>::get() + 1)
					} else {
						own[rng.below(own.len() as u64) as usize]
					};
					signed(
						trader,
						"orderbook.cancel_order",
						RuntimeCall::Orderbook(pallet_orderbook::Call::cancel_order { order_id }),
					)
				}
				9 => signed(
					trader,
					"orderbook.cancel_all",
					RuntimeCall::Orderbook(pallet_orderbook::Call::cancel_all { market }),
				),
				10 => {
					let (asset, amount) = if rng.chance(50) {
						(Asset::Native, rng.range(1, 1_000 * UNIT))
					} else {
						(Asset::Class(m.base), rng.range(1, 2_000))
					};
					signed(
						trader,
						"orderbook.deposit",
						RuntimeCall::Orderbook(pallet_orderbook::Call::deposit { asset, amount }),
					)
				}
				_ => {
					// Mostly what is free, sometimes more (locked or not there).
					let asset = if rng.chance(50) { Asset::Native } else { Asset::Class(m.base) };
					let free = Orderbook::funds(&account(trader), asset).free;
					let amount = if free == 0 || rng.chance(10) {
						rng.range(1, 100 * UNIT)
					} else {
						rng.range(1, free)
					};
					signed(
						trader,
						"orderbook.withdraw",
						RuntimeCall::Orderbook(pallet_orderbook::Call::withdraw { asset, amount }),
					)
				}
			}
		}
		70..=74 => signed(
			anyone,
			"assets.transfer_keep_alive",
			RuntimeCall::Assets(pallet_assets::Call::transfer_keep_alive {
				id: CLASS.into(),
				target: account(rng.pick(&EVERYONE)).into(),
				amount: rng.range(1, 3_000),
			}),
		),
		75..=76 => signed(
			anyone,
			"balances.transfer_keep_alive",
			RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
				dest: account(rng.pick(&EVERYONE)).into(),
				value: rng.range(1, 10 * UNIT),
			}),
		),
		// Jobs.
		77..=84 => {
			let mut modules: Vec<ModuleId> =
				active_modules.iter().copied().filter(|_| rng.chance(40)).take(4).collect();
			if rng.chance(10) {
				modules.push(module(rng));
			}
			let workload = pallet_federation::Workload {
				spec: pallet_federation::WorkloadSpec::Command {
					program: b"/bin/true".to_vec().try_into().expect("short"),
					args: Default::default(),
					env: Default::default(),
				},
				input: None,
				output: None,
				gpus: rng.below(2) as u32,
				memory_mb: 0,
			};
			signed(
				anyone,
				"federation.submit_job",
				RuntimeCall::Federation(pallet_federation::Call::submit_job {
					class: CLASS,
					units: rng.range(1, 2_000),
					modules,
					workload,
					max_start_delay: rng.below(12) as BlockNumber,
				}),
			)
		}
		85..=86 => signed(
			anyone,
			"federation.cancel_job",
			RuntimeCall::Federation(pallet_federation::Call::cancel_job { job: job(rng) }),
		),
		87..=88 => {
			// The owner of a job it was served reports a breach of one of its modules.
			let id = job(rng);
			let (owner, provider, module) = match pallet_federation::Jobs::<Runtime>::get(id) {
				Some(j) => {
					let served = match &j.state {
						JobState::Completed { provider, .. } => Some(provider.clone()),
						other => other.provider().cloned(),
					};
					let module = j.modules.first().copied().unwrap_or_else(|| module(rng));
					(j.owner, served.unwrap_or_else(|| account(provider)), module)
				}
				None => (account(anyone), account(provider), module(rng)),
			};
			let signer = EVERYONE.into_iter().find(|k| account(*k) == owner).unwrap_or(anyone);
			signed(
				signer,
				"sla.report_violation",
				RuntimeCall::Sla(pallet_sla::Call::report_violation {
					provider,
					module,
					job: id,
					evidence_hash: H256::repeat_byte(9),
				}),
			)
		}
		89 => signed(
			anyone,
			"federation.prune_job",
			RuntimeCall::Federation(pallet_federation::Call::prune_job { job: job(rng) }),
		),
		// A candidate registers its session keys; governance adds or removes it.
		99 => {
			let candidate = &candidates[rng.below(candidates.len() as u64) as usize];
			let who = account(candidate.who);
			match rng.below(3) {
				0 => signed(
					candidate.who,
					"session.set_keys",
					RuntimeCall::Session(pallet_session::Call::set_keys {
						keys: candidate.keys.clone(),
						proof: candidate.proof.clone(),
					}),
				),
				1 => sudo(
					"validatorSet.add_validator",
					RuntimeCall::ValidatorSet(pallet_validator_set::Call::add_validator { who }),
				),
				_ => sudo(
					"validatorSet.remove_validator",
					RuntimeCall::ValidatorSet(pallet_validator_set::Call::remove_validator { who }),
				),
			}
		}
		// The routing key assigns pending jobs to providers (each checked again).
		_ => {
			let pending: Vec<u64> =
				pallet_federation::PendingJobs::<Runtime>::iter_keys().take(8).collect();
			let assignments: Vec<(u64, AccountId)> = if pending.is_empty() {
				vec![(job(rng), account(provider))]
			} else {
				pending.into_iter().map(|id| (id, account(rng.pick(&PROVIDERS)))).collect()
			};
			let batch = pallet_federation::RoutingBatch {
				at: block,
				router: routing_key(),
				assignments: assignments.try_into().expect("within MaxBatch"),
			};
			let message = utc_runtime::Federation::batch_message(&batch);
			let signature = Keyring::Alice.sign(&message).into();
			Tx {
				signer: None,
				call: RuntimeCall::Federation(pallet_federation::Call::assign_jobs {
					batch,
					signature,
				}),
				name: "federation.assign_jobs",
			}
		}
	}
}
