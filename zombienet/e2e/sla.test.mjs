// pallet-sla as a provider and governance use it: bond, subscribe to an SLA
// module, mint up to the bond and be refused one unit more; unbond and withdraw
// only after the delay; a violation recorded by the admin origin is slashed
// after its cancellation window, to the treasury.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import {
  openDevNode, signAttestation, submit, waitBlock, waitFinalized,
} from './node.mjs';

const H100 = 0;
const UPTIME = 0; // dev module 0: 99% uptime, 1 UNIT of bond per H100 hour
const UNIT = 10n ** 12n;
const PER_UNIT = 10n ** 9n; // bond per thousandth of an hour
// The dev chain's delays (blocks).
const UNBONDING_DELAY = 10;
const SLASH_DEFER = 3;

const event = (r, api, section, name) =>
  r.events.find(({ event: e }) => api.events[section][name].is(e))?.event;

describe('pallet-sla on utc-node --dev', () => {
  let dev;
  let api;
  let alice;
  let ferdie;

  const bondView = async (at = api) => at.call.slaApi.bond(ferdie.address);
  const held = async (at) => {
    const holds = await at.query.balances.holds(ferdie.address);
    return holds.filter((h) => h.id.isSla).reduce((sum, h) => sum + h.amount.toBigInt(), 0n);
  };
  const free = async (at, who) => (await at.query.system.account(who)).data.free.toBigInt();

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519' });
    alice = keyring.addFromUri('//Alice');
    ferdie = keyring.addFromUri('//Ferdie');
    const attestor = keyring.addFromUri('//Attestor');
    dev = await openDevNode();
    ({ api } = dev);
    await waitFinalized(api, 1, 60_000);

    let r = await submit(api, api.tx.compute.registerProvider('Ferdie GPUs', 'EU-WEST'), ferdie);
    assert.equal(r.error, null);
    const now = (await api.rpc.chain.getHeader()).number.toNumber();
    const { attestation, signature } = signAttestation(api, attestor, {
      provider: ferdie.address, class: H100, units: 10_000,
      validFrom: now, validUntil: now + 2_000, evidenceHash: '0x' + '77'.repeat(32), nonce: 70,
    });
    r = await submit(api, api.tx.compute.submitAttestation(
      { Sr25519: attestor.publicKey }, attestation, { Sr25519: signature }), ferdie);
    assert.equal(r.error, null);
  });

  after(async () => {
    await dev?.close();
  });

  test('the dev chain defines the uptime, start-latency and completion modules', async () => {
    const modules = await api.call.slaApi.modules();
    assert.equal(modules.length, 3);
    const [id, uptime] = modules.find(([m]) => m.toNumber() === UPTIME);
    assert.equal(id.toNumber(), UPTIME);
    assert.equal(uptime.kind.asUptime.minPerMille.toNumber(), 990);
    assert.equal(uptime.bondPerUnit.toBigInt(), PER_UNIT);
  });

  test('without a bond and a subscription a mint is not backed', async () => {
    const r = await submit(api, api.tx.compute.mint(H100, 1), ferdie);
    assert.deepEqual(r.error, { section: 'compute', name: 'NotBacked' });
  });

  test('a provider bonds, subscribes, mints up to its bond and not one unit more', async () => {
    let r = await submit(api, api.tx.sla.bond(2n * UNIT), ferdie);
    assert.equal(r.error, null);
    assert.equal(event(r, api, 'sla', 'Bonded').data.active.toBigInt(), 2n * UNIT);
    assert.equal(await held(await api.at(r.blockHash)), 2n * UNIT);

    r = await submit(api, api.tx.sla.subscribe(H100, UPTIME), ferdie);
    assert.equal(r.error, null);
    assert.ok(event(r, api, 'sla', 'Subscribed'), 'Subscribed');

    // 2 UNIT back 2,000 thousandths of an hour at 1e9 each.
    r = await submit(api, api.tx.compute.mint(H100, 2_000), ferdie);
    assert.equal(r.error, null);
    r = await submit(api, api.tx.compute.mint(H100, 1), ferdie);
    assert.deepEqual(r.error, { section: 'compute', name: 'NotBacked' });

    const view = await bondView(await api.at(r.blockHash));
    assert.equal(view.active.toBigInt(), 2n * UNIT);
    assert.equal(view.required.toBigInt(), 2_000n * PER_UNIT);
    assert.equal(view.underCollateralized.isTrue, false);
    const subscriptions = await api.call.slaApi.subscriptions(ferdie.address);
    assert.deepEqual(subscriptions.map(([c, m]) => [c.toNumber(), m.toNumber()]), [[H100, UPTIME]]);
  });

  test('the bond the obligations need cannot be unbonded', async () => {
    const r = await submit(api, api.tx.sla.unbond(1n), ferdie);
    assert.deepEqual(r.error, { section: 'sla', name: 'BondRequired' });
  });

  test('unbonding frees the funds only after the delay', async () => {
    let r = await submit(api, api.tx.sla.bond(UNIT), ferdie);
    assert.equal(r.error, null);
    r = await submit(api, api.tx.sla.unbond(UNIT), ferdie);
    assert.equal(r.error, null);
    const unbonding = event(r, api, 'sla', 'Unbonding');
    const unlockAt = unbonding.data.unlockAt.toNumber();
    const at = await api.at(r.blockHash);
    const bonded = (await at.query.system.number()).toNumber();
    assert.equal(unlockAt, bonded + UNBONDING_DELAY);
    assert.deepEqual(
      (await bondView(at)).unbonding.map(([amount, unlock]) => [amount.toBigInt(), unlock.toNumber()]),
      [[UNIT, unlockAt]]);

    r = await submit(api, api.tx.sla.withdrawUnbonded(), ferdie);
    assert.deepEqual(r.error, { section: 'sla', name: 'NothingToWithdraw' });
    assert.equal(await held(await api.at(r.blockHash)), 3n * UNIT);

    await waitBlock(api, unlockAt, 120_000);
    r = await submit(api, api.tx.sla.withdrawUnbonded(), ferdie);
    assert.equal(r.error, null);
    assert.equal(event(r, api, 'sla', 'Withdrawn').data.amount.toBigInt(), UNIT);
    assert.equal(await held(await api.at(r.blockHash)), 2n * UNIT);
  });

  test('a violation recorded by the admin origin is slashed after its window', async () => {
    // Governance records a failed hour (1,000 thousandths): 100% of 1 UNIT at stake.
    const record = api.tx.sla.recordViolation(ferdie.address, UPTIME, H100, 1_000, { Failed: null }, null);
    let r = await submit(api, api.tx.sudo.sudo(record), alice);
    assert.equal(r.error, null);
    const sudid = event(r, api, 'sudo', 'Sudid');
    assert.ok(sudid.data.sudoResult.isOk, `sudo result ${sudid.data.sudoResult.toString()}`);
    const scheduled = event(r, api, 'sla', 'SlashScheduled');
    assert.ok(scheduled, 'SlashScheduled');
    const due = scheduled.data.due.toNumber();
    assert.equal(scheduled.data.penalty.toBigInt(), UNIT);
    const recordedAt = (await (await api.at(r.blockHash)).query.system.number()).toNumber();
    assert.equal(due, recordedAt + SLASH_DEFER);
    const pending = await api.call.slaApi.pendingSlashes(ferdie.address);
    assert.equal(pending.length, 1);

    // Nothing moves before the slash is due.
    await waitBlock(api, due, 120_000);
    const dueHash = await api.rpc.chain.getBlockHash(due);
    const beforeHash = await api.rpc.chain.getBlockHash(due - 1);
    const atDue = await api.at(dueHash);
    const before = await api.at(beforeHash);
    assert.equal(await held(before), 2n * UNIT);
    assert.equal(await held(atDue), UNIT);

    const events = await atDue.query.system.events();
    const slashed = events.find(({ event: e }) => api.events.sla.Slashed.is(e))?.event;
    assert.ok(slashed, 'Slashed in the block the slash fell due');
    assert.equal(slashed.data.taken.toBigInt(), UNIT);
    assert.equal(slashed.data.toTreasury.toBigInt(), UNIT);
    assert.ok(events.some(({ event: e }) => api.events.sla.UnderCollateralized.is(e)),
      'UnderCollateralized: 1 UNIT no longer covers 2,000 units of obligation');

    const treasuryAddress = treasuryOf(api);
    assert.equal(await free(atDue, treasuryAddress) - await free(before, treasuryAddress), UNIT);

    const view = await bondView(atDue);
    assert.equal(view.underCollateralized.isTrue, true);
    const history = await api.call.slaApi.slashHistory(ferdie.address);
    assert.equal(history.length, 1);
    assert.equal(history[0].taken.toBigInt(), UNIT);

    // Under-collateralized: no more mints until topped up.
    r = await submit(api, api.tx.compute.mint(H100, 1), ferdie);
    assert.deepEqual(r.error, { section: 'compute', name: 'NotBacked' });
  });
});

/** The treasury: the account of the pallet id `utc/trsy`. */
function treasuryOf(api) {
  const id = new TextEncoder().encode('modlutc/trsy');
  const raw = new Uint8Array(32);
  raw.set(id);
  return api.createType('AccountId', raw).toString();
}
