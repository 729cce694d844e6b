// What the dashboard reads from a UTC chain node, as plain values (bigint for
// balances and units). Runtime APIs where the pallets offer a view, storage
// where they do not.

// The types of the standard pallets' storage (system, assets, ...).
import type {} from '@polkadot/api-augment';
import { ApiPromise, WsProvider } from '@polkadot/api';
import type { Enum, Option, Struct, Vec, u32, u64 } from '@polkadot/types';
import type { AccountId32 } from '@polkadot/types/interfaces';
import type { Codec, ITuple } from '@polkadot/types/types';
import type {
  AssetCodec, BondViewCodec, ClassSupplyCodec, ComputeClassCodec, DepthCodec, FundsCodec, JobViewCodec,
  MarketCodec, OrderCodec, ProviderClassStateCodec, ProviderInfoCodec, ReputationCodec, ServiceCodec,
  SlaModuleCodec,
} from './types';

export interface Token { symbol: string; decimals: number }

export interface ChainInfo {
  name: string;
  /** `system_chainType`: Development, Local, Live or a custom name. */
  type: string;
  /** Dev accounts (//Alice, ...) are offered only on development and local chains. */
  isDev: boolean;
  native: Token;
}

export async function connect(endpoint: string): Promise<ApiPromise> {
  return ApiPromise.create({ provider: new WsProvider(endpoint), noInitWarn: true });
}

export async function readChainInfo(api: ApiPromise): Promise<ChainInfo> {
  const [name, type, props] = await Promise.all([
    api.rpc.system.chain(), api.rpc.system.chainType(), api.rpc.system.properties(),
  ]);
  const symbol = props.tokenSymbol.unwrapOr(null)?.[0]?.toString() ?? 'UNIT';
  const decimals = props.tokenDecimals.unwrapOr(null)?.[0]?.toNumber() ?? 12;
  return {
    name: name.toString(),
    type: type.type,
    isDev: type.isDevelopment || type.isLocal,
    native: { symbol, decimals },
  };
}

// ---- compute classes ----

export interface ComputeClass {
  id: number;
  name: string;
  symbol: string;
  kind: string;
  unit: string;
  modelFamily: string;
  minMemoryMib: number;
  minPerformance: number;
  decimals: number;
  status: string;
}

export async function readClasses(api: ApiPromise): Promise<Map<number, ComputeClass>> {
  const classes = await api.call.computeApi.classes() as Vec<ITuple<[u32, ComputeClassCodec]>>;
  return new Map(classes.map(([id, c]) => [id.toNumber(), {
    id: id.toNumber(),
    name: c.name.toUtf8(),
    symbol: c.symbol.toUtf8(),
    kind: c.kind.type,
    unit: c.unit.type,
    modelFamily: c.floor.modelFamily.toUtf8(),
    minMemoryMib: c.floor.minMemoryMib.toNumber(),
    minPerformance: c.floor.minPerformance.toNumber(),
    decimals: c.decimals.toNumber(),
    status: c.status.type,
  }]));
}

export interface ClassSupply {
  /** Tokens in existence (pallet-assets supply). */
  issued: bigint;
  /** Units the providers owe. */
  obligations: bigint;
  /** Units burned by jobs whose delivery is not settled yet. */
  redeemed: bigint;
}

export async function readClassSupply(api: ApiPromise, cls: number): Promise<ClassSupply> {
  const [asset, supply] = await Promise.all([
    api.query.assets.asset(cls),
    api.query.compute.supply(cls) as Promise<ClassSupplyCodec>,
  ]);
  return {
    issued: asset.isSome ? asset.unwrap().supply.toBigInt() : 0n,
    obligations: supply.obligations.toBigInt(),
    redeemed: supply.redeemed.toBigInt(),
  };
}

// ---- order book ----

export type Side = 'Bid' | 'Ask';

export interface Market {
  id: number;
  /** The class whose token trades against the native token. */
  base: number;
  /** Prices are native units per smallest unit of the class token. */
  tickSize: bigint;
  lotSize: bigint;
  minOrder: bigint;
  /** Parts per million. */
  makerFee: number;
  takerFee: number;
  status: string;
}

export async function readMarkets(api: ApiPromise): Promise<Market[]> {
  const entries = await api.query.orderbook.markets.entries();
  return entries.map(([key, value]) => {
    const m = (value as Option<MarketCodec>).unwrap();
    return {
      id: (key.args[0] as u32).toNumber(),
      base: m.base.toNumber(),
      tickSize: m.tickSize.toBigInt(),
      lotSize: m.lotSize.toBigInt(),
      minOrder: m.minOrder.toBigInt(),
      makerFee: m.makerFee.toNumber(),
      takerFee: m.takerFee.toNumber(),
      status: m.status.type,
    };
  }).sort((a, b) => a.id - b.id);
}

export interface Level { price: bigint; amount: bigint }

export interface Book {
  /** Best first. */
  bids: Level[];
  asks: Level[];
  bestBid: Level | null;
  bestAsk: Level | null;
}

const level = ([price, amount]: ITuple<[Codec, Codec]>): Level =>
  ({ price: BigInt(price.toString()), amount: BigInt(amount.toString()) });

export async function readBook(api: ApiPromise, market: number, levels: number): Promise<Book> {
  const [depth, best] = await Promise.all([
    api.call.orderbookApi.depth(market, levels) as Promise<ITuple<[DepthCodec, DepthCodec]>>,
    api.call.orderbookApi.bestBidAsk(market) as Promise<ITuple<[Option<ITuple<[Codec, Codec]>>, Option<ITuple<[Codec, Codec]>>]>>,
  ]);
  const [bids, asks] = depth;
  const [bid, ask] = best;
  return {
    bids: bids.map(level),
    asks: asks.map(level),
    bestBid: bid.isSome ? level(bid.unwrap()) : null,
    bestAsk: ask.isSome ? level(ask.unwrap()) : null,
  };
}

export interface Order {
  id: bigint;
  market: number;
  side: Side;
  price: bigint;
  remaining: bigint;
  /** What the order holds: native funds for a bid, class tokens for an ask. */
  locked: bigint;
  expiresAt: number | null;
}

export async function readOpenOrders(api: ApiPromise, who: string): Promise<Order[]> {
  const orders = await api.call.orderbookApi.openOrders(who) as Vec<ITuple<[u64, OrderCodec]>>;
  return orders.map(([id, o]) => ({
    id: id.toBigInt(),
    market: o.market.toNumber(),
    side: o.side.type as Side,
    price: o.price.toBigInt(),
    remaining: o.remaining.toBigInt(),
    locked: o.locked.toBigInt(),
    expiresAt: o.expiresAt.isSome ? o.expiresAt.unwrap().toNumber() : null,
  }));
}

// ---- accounts ----

export interface Funds { free: bigint; locked: bigint }

export interface Holdings {
  /** Native funds in the wallet (pallet-balances). */
  wallet: { free: bigint; reserved: bigint; frozen: bigint };
  /** Native funds in the order book's trading account. */
  trading: Funds;
  /** Per class: tokens in the wallet (pallet-assets) and in the trading account. */
  classes: { cls: number; wallet: bigint; trading: Funds }[];
}

export async function readHoldings(api: ApiPromise, who: string, classIds: number[]): Promise<Holdings> {
  const [account, trading, wallets] = await Promise.all([
    api.query.system.account(who),
    api.call.orderbookApi.tradingAccount(who) as Promise<Vec<ITuple<[AssetCodec, FundsCodec]>>>,
    Promise.all(classIds.map((cls) => api.query.assets.account(cls, who))),
  ]);
  const funds = (match: (a: AssetCodec) => boolean): Funds => {
    const entry = trading.find(([asset]) => match(asset));
    return entry ? { free: entry[1].free.toBigInt(), locked: entry[1].locked.toBigInt() } : { free: 0n, locked: 0n };
  };
  return {
    wallet: {
      free: account.data.free.toBigInt(),
      reserved: account.data.reserved.toBigInt(),
      frozen: account.data.frozen.toBigInt(),
    },
    trading: funds((a) => a.isNative),
    classes: classIds.map((cls, i) => ({
      cls,
      wallet: wallets[i].isSome ? wallets[i].unwrap().balance.toBigInt() : 0n,
      trading: funds((a) => a.isClass && a.asClass.toNumber() === cls),
    })),
  };
}

// ---- providers and SLA ----

export interface SlaModule {
  id: number;
  /** The term in words, e.g. "start within 3 blocks". */
  terms: string;
  bondPerUnit: bigint;
  active: boolean;
}

function moduleTerms(kind: Enum): string {
  const v = kind.value.toJSON() as Record<string, number>;
  switch (kind.type) {
    case 'Uptime': return `uptime ≥ ${v.minPerMille / 10}% over ${v.window} blocks`;
    case 'StartLatency': return `start within ${v.maxBlocks} blocks`;
    case 'CompletionTime': return `complete within ${v.maxBlocksPerUnit} blocks per unit`;
    case 'Throughput': return `performance score ≥ ${v.minScore}`;
    case 'Region': return `run in region ${(kind.value as Struct).get('code')?.toHuman()}`;
    default: return kind.type;
  }
}

export async function readModules(api: ApiPromise): Promise<Map<number, SlaModule>> {
  const modules = await api.call.slaApi.modules() as Vec<ITuple<[u32, SlaModuleCodec]>>;
  const list = modules.map(([id, m]) => ({
    id: id.toNumber(),
    terms: moduleTerms(m.kind),
    bondPerUnit: m.bondPerUnit.toBigInt(),
    active: m.status.type === 'Active',
  })).sort((a, b) => a.id - b.id);
  return new Map(list.map((m) => [m.id, m]));
}

export interface ProviderClass {
  cls: number;
  /** Units of live attestations. */
  liveCapacity: bigint;
  pendingCapacity: bigint;
  mintable: bigint;
  minted: bigint;
  obligation: bigint;
}

export interface Provider {
  address: string;
  name: string;
  region: string;
  classes: ProviderClass[];
  bond: { active: bigint; required: bigint; unbonding: bigint; underCollateralized: boolean };
  /** (class, SLA module) pairs. */
  subscriptions: { cls: number; module: number }[];
  reputation: { score: number; completed: number; violations: number };
  /** What the provider's node serves, when it declared a service. */
  service: { kinds: string[]; concurrency: number; inFlight: number; lastHeartbeat: number | null } | null;
}

async function readProvider(api: ApiPromise, address: string, info: ProviderInfoCodec): Promise<Provider> {
  const ledgerKeys = await api.query.compute.ledgers.keys(address);
  const classIds = ledgerKeys.map((k) => (k.args[1] as u32).toNumber()).sort((a, b) => a - b);
  const [states, bond, subscriptions, reputation, service] = await Promise.all([
    Promise.all(classIds.map((cls) =>
      api.call.computeApi.providerClassState(address, cls) as Promise<ProviderClassStateCodec>)),
    api.call.slaApi.bond(address) as Promise<BondViewCodec>,
    api.call.slaApi.subscriptions(address) as Promise<Vec<ITuple<[u32, u32]>>>,
    api.call.federationApi.reputation(address) as Promise<ReputationCodec>,
    api.query.federation.services(address) as Promise<Option<ServiceCodec>>,
  ]);
  const declared = service.isSome ? service.unwrap() : null;
  return {
    address,
    name: info.name.toUtf8(),
    region: info.region.toUtf8(),
    classes: classIds.map((cls, i) => ({
      cls,
      liveCapacity: states[i].liveCapacity.toBigInt(),
      pendingCapacity: states[i].pendingCapacity.toBigInt(),
      mintable: states[i].mintable.toBigInt(),
      minted: states[i].ledger.minted.toBigInt(),
      obligation: states[i].ledger.obligation.toBigInt(),
    })),
    bond: {
      active: bond.active.toBigInt(),
      required: bond.required.toBigInt(),
      unbonding: bond.unbonding.reduce((sum, [amount]) => sum + amount.toBigInt(), 0n),
      underCollateralized: bond.underCollateralized.isTrue,
    },
    subscriptions: subscriptions.map(([cls, module]) => ({ cls: cls.toNumber(), module: module.toNumber() })),
    reputation: {
      score: reputation.score.toNumber(),
      completed: reputation.completed.toNumber(),
      violations: reputation.violations.toNumber(),
    },
    service: declared && {
      kinds: (['command', 'container', 'batch'] as const).filter((k) => declared.kinds[k].isTrue),
      concurrency: declared.concurrency.toNumber(),
      inFlight: declared.inFlight.toNumber(),
      lastHeartbeat: declared.lastHeartbeat.isSome ? declared.lastHeartbeat.unwrap().toNumber() : null,
    },
  };
}

export async function readProviders(api: ApiPromise): Promise<Provider[]> {
  const entries = await api.query.compute.providers.entries();
  const providers = await Promise.all(entries.map(([key, value]) =>
    readProvider(api, (key.args[0] as AccountId32).toString(), (value as Option<ProviderInfoCodec>).unwrap())));
  return providers.sort((a, b) => a.name.localeCompare(b.name));
}

// ---- jobs ----

export interface JobStep {
  block: number;
  /** Submitted, Assigned, Started, Completed, Breached, Cancelled, Refunded. */
  event: string;
  /** The provider, and for a breach what was breached. */
  detail: string;
}

export interface Job {
  id: bigint;
  owner: string;
  cls: number;
  units: bigint;
  modules: number[];
  kind: string;
  state: string;
  /** The state's fields in words, e.g. "provider 5Fx…, start by #12". */
  stateDetail: string;
  history: JobStep[];
}

function jobStateDetail(state: Enum): string {
  if (!state.value || state.value.isEmpty) return '';
  const fields = state.value as Struct;
  const parts: string[] = [];
  for (const [name, value] of fields.entries()) {
    const text = value.toString();
    if (name === 'provider') parts.push(`provider ${text}`);
    else if (name === 'resultHash') parts.push(`result ${text.slice(0, 10)}…`);
    else if (name === 'usage') parts.push(`usage ${text}`);
    else parts.push(`${name.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`)} #${text}`);
  }
  return parts.join(', ');
}

function jobStepDetail(event: Enum): string {
  if (!event.value || event.value.isEmpty) return '';
  const value = event.value as Codec;
  // Breached(provider, breach): name both; the other events carry the provider alone.
  if (Array.isArray(value)) return value.map((v: Codec) => (v as Enum).type ?? v.toString()).join(' ');
  return value.toString();
}

export async function readJob(api: ApiPromise, id: bigint): Promise<Job | null> {
  const view = await api.call.federationApi.job(id) as Option<JobViewCodec>;
  if (view.isNone) return null;
  const j = view.unwrap();
  return {
    id: j.id.toBigInt(),
    owner: j.owner.toString(),
    cls: j.class.toNumber(),
    units: j.units.toBigInt(),
    modules: j.modules.map((m) => m.toNumber()),
    kind: j.kind.type,
    state: j.state.type,
    stateDetail: jobStateDetail(j.state),
    history: j.history.map(([block, event]) => ({
      block: block.toNumber(), event: event.type, detail: jobStepDetail(event),
    })),
  };
}

/** The last `limit` jobs by id, newest first (pruned ones skipped). */
export async function readRecentJobs(api: ApiPromise, limit: number): Promise<Job[]> {
  const next = (await api.query.federation.nextJobId() as u64).toBigInt();
  const ids: bigint[] = [];
  for (let id = next - 1n; id >= 0n && ids.length < limit; id--) ids.push(id);
  const jobs = await Promise.all(ids.map((id) => readJob(api, id)));
  return jobs.filter((j): j is Job => j !== null);
}
