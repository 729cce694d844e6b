//! A test runtime: frame-system, balances, assets and the order book.

use crate as pallet_orderbook;
use frame_support::{
	derive_impl, parameter_types,
	traits::{AsEnsureOriginWithArg, ConstU128, ConstU32, ConstU64},
	PalletId,
};
use frame_system::{EnsureRoot, EnsureSigned};
use sp_runtime::{BuildStorage, Permill};

use crate::types::*;

pub type AccountId = u64;
pub type Balance = u128;
type Block = frame_system::mocking::MockBlock<Test>;

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
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(2)]
	pub type Assets = pallet_assets;
	#[runtime::pallet_index(3)]
	pub type Orderbook = pallet_orderbook;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = ConstU128<1>;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

#[derive_impl(pallet_assets::config_preludes::TestDefaultConfig)]
impl pallet_assets::Config for Test {
	type Balance = u128;
	type Currency = Balances;
	type CreateOrigin = AsEnsureOriginWithArg<EnsureSigned<AccountId>>;
	type ForceOrigin = EnsureRoot<AccountId>;
	type AssetDeposit = ConstU128<1>;
	type AssetAccountDeposit = ConstU128<1>;
	type MetadataDepositBase = ConstU128<1>;
	type MetadataDepositPerByte = ConstU128<1>;
	type ApprovalDeposit = ConstU128<1>;
}

pub const TREASURY: AccountId = 99;
pub const ORDER_DEPOSIT: Balance = 10;
pub const MAX_OPEN_ORDERS: u32 = 8;
pub const MAX_TRADING_ASSETS: u32 = 2;
pub const MAX_PRICE_LEVELS: u32 = 6;
pub const MAX_ORDERS_PER_LEVEL: u32 = 4;
/// Below the smallest order of market 0 (one tick × one lot = 50): only market
/// 1's finer grid reaches it.
pub const MIN_ORDER_VALUE: u128 = 50;
pub const MAX_FILLS: u32 = 5;
pub const MAX_EXPIRIES: u32 = 4;
pub const SWEEP_PER_BLOCK: u32 = 4;
pub const MAX_LIFETIME: u64 = 1_000;
pub const FEE_PAYOUTS: u32 = 2;

parameter_types! {
	pub const OrderbookPalletId: PalletId = PalletId(*b"utc/book");
	pub const Treasury: AccountId = TREASURY;
}

impl pallet_orderbook::Config for Test {
	type AdminOrigin = EnsureRoot<AccountId>;
	type Currency = Balances;
	type AssetId = u32;
	type Assets = Assets;
	type PalletId = OrderbookPalletId;
	type OnFee = frame_support::traits::tokens::imbalance::ResolveTo<Treasury, Balances>;
	type OrderDeposit = ConstU128<ORDER_DEPOSIT>;
	type MaxOpenOrders = ConstU32<MAX_OPEN_ORDERS>;
	type MaxTradingAssets = ConstU32<MAX_TRADING_ASSETS>;
	type MaxPriceLevels = ConstU32<MAX_PRICE_LEVELS>;
	type MaxOrdersPerLevel = ConstU32<MAX_ORDERS_PER_LEVEL>;
	type MinOrderValue = ConstU128<MIN_ORDER_VALUE>;
	type MaxFills = ConstU32<MAX_FILLS>;
	type MaxExpiriesPerBlock = ConstU32<MAX_EXPIRIES>;
	type MaxOrderLifetime = ConstU64<MAX_LIFETIME>;
	type ExpirySweepPerBlock = ConstU32<SWEEP_PER_BLOCK>;
	type FeePayoutsPerBlock = ConstU32<FEE_PAYOUTS>;
	type WeightInfo = ();
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
pub const DAVE: AccountId = 4;
pub const POOR: AccountId = 9;
/// The class (and asset) traded in market 0.
pub const CLASS: u32 = 0;
pub const MARKET: MarketId = 0;
pub const NATIVE: Balance = 1_000_000_000;
pub const TOKENS: u128 = 1_000_000;
/// Market 0: tick 10, lot 5, minimum 5, maker fee 0.1%, taker fee 0.3%.
pub const TICK: Price = 10;
pub const LOT: u128 = 5;

pub fn maker_fee() -> Permill {
	Permill::from_parts(1_000)
}

pub fn taker_fee() -> Permill {
	Permill::from_parts(3_000)
}

pub const TRADERS: [AccountId; 4] = [ALICE, BOB, CHARLIE, DAVE];

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut balances: Vec<(AccountId, Balance)> = TRADERS.iter().map(|a| (*a, NATIVE)).collect();
	balances.push((TREASURY, 1));
	balances.push((POOR, 100));
	pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	pallet_assets::GenesisConfig::<Test> {
		assets: vec![(CLASS, TREASURY, false, 1)],
		accounts: TRADERS.iter().map(|a| (CLASS, *a, TOKENS)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	crate::GenesisConfig::<Test>::default().assimilate_storage(&mut storage).unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		Orderbook::do_create_market(CLASS, TICK, LOT, LOT, maker_fee(), taker_fee()).unwrap();
	});
	ext
}

/// Runs `test` on a fresh chain with market 0, then checks the invariants.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Orderbook::do_try_state().expect("invariants hold");
	});
}

/// Advances to block `n`, running `on_initialize` and the invariants at each.
pub fn run_to_block(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Orderbook::on_initialize(next);
		Orderbook::on_idle(next, frame_support::weights::Weight::MAX);
		Orderbook::do_try_state().expect("invariants hold");
	}
}

pub fn book_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Orderbook(event) => Some(event),
			_ => None,
		})
		.collect()
}
