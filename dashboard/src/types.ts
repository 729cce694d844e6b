// The shapes of the UTC chain codecs the dashboard reads (runtime APIs and
// storage of pallets compute, orderbook, sla and federation), as decoded by
// @polkadot/api from the chain's metadata.

import type { Bytes, Enum, Option, Struct, Vec, bool, u8, u16, u32, u64, u128 } from '@polkadot/types';
import type { AccountId32, Permill } from '@polkadot/types/interfaces';
import type { ITuple } from '@polkadot/types/types';

export interface ComputeClassCodec extends Struct {
  name: Bytes;
  symbol: Bytes;
  kind: Enum;
  unit: Enum;
  floor: Struct & { modelFamily: Bytes; minMemoryMib: u32; minPerformance: u32 };
  decimals: u8;
  status: Enum;
}

export interface ClassSupplyCodec extends Struct {
  obligations: u128;
  redeemed: u128;
}

export interface MarketCodec extends Struct {
  base: u32;
  tickSize: u128;
  lotSize: u128;
  minOrder: u128;
  makerFee: Permill;
  takerFee: Permill;
  status: Enum;
}

/** Price levels, best first: (price, units). */
export type DepthCodec = Vec<ITuple<[u128, u128]>>;

export interface OrderCodec extends Struct {
  market: u32;
  owner: AccountId32;
  side: Enum;
  price: u128;
  remaining: u128;
  expiresAt: Option<u32>;
  locked: u128;
}

export interface AssetCodec extends Enum {
  readonly isNative: boolean;
  readonly isClass: boolean;
  readonly asClass: u32;
}

export interface FundsCodec extends Struct {
  free: u128;
  locked: u128;
  orders: u32;
}

export interface TradeEventData {
  market: u32;
  makerOrder: u64;
  takerOrder: u64;
  maker: AccountId32;
  taker: AccountId32;
  takerSide: Enum;
  price: u128;
  amount: u128;
}

export interface ProviderInfoCodec extends Struct {
  name: Bytes;
  region: Bytes;
  totalObligation: u128;
}

export interface ProviderClassStateCodec extends Struct {
  liveCapacity: u128;
  pendingCapacity: u128;
  mintable: u128;
  ledger: Struct & { attested: u128; minted: u128; obligation: u128 };
}

export interface BondViewCodec extends Struct {
  active: u128;
  required: u128;
  unbonding: Vec<ITuple<[u128, u32]>>;
  underCollateralized: bool;
}

export interface SlaModuleCodec extends Struct {
  kind: Enum;
  bondPerUnit: u128;
  status: Enum;
}

export interface ReputationCodec extends Struct {
  score: u16;
  completed: u32;
  violations: u32;
}

export interface ServiceCodec extends Struct {
  kinds: Struct & { command: bool; container: bool; batch: bool };
  concurrency: u32;
  inFlight: u32;
  lastHeartbeat: Option<u32>;
}

export interface JobViewCodec extends Struct {
  id: u64;
  owner: AccountId32;
  class: u32;
  units: u128;
  modules: Vec<u32>;
  kind: Enum;
  state: Enum;
  history: Vec<ITuple<[u32, Enum]>>;
}
