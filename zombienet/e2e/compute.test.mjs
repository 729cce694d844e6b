// pallet-compute as a provider and an attestor use it: register, get an
// attestation signed in JavaScript (and one from `utc-node attest`), mint UTC
// against it, read the runtime API, and see a replay refused.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Keyring } from '@polkadot/keyring';
import { compactStripLength, u8aToHex, u8aToString } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import {
  NODE_BIN, backProvider, openDevNode, signAttestation, submit, waitFinalized,
} from './node.mjs';

const H100 = 0;
const UNIT = 10n ** 12n;

describe('pallet-compute on utc-node --dev', () => {
  let dev;
  let api;
  let bob;
  let attestor;
  let attestation;
  let signature;

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519' });
    bob = keyring.addFromUri('//Bob');
    attestor = keyring.addFromUri('//Attestor');
    dev = await openDevNode();
    ({ api } = dev);
    await waitFinalized(api, 1, 60_000);
  });

  after(async () => {
    await dev?.close();
  });

  test('the dev chain has the H100 class and the dev attestor', async () => {
    const classes = await api.call.computeApi.classes();
    const [id, h100] = classes[0];
    assert.equal(id.toNumber(), H100);
    assert.equal(h100.symbol.toUtf8(), 'UTC-H100');
    assert.equal(h100.decimals.toNumber(), 3);
    const metadata = await api.query.assets.metadata(H100);
    assert.equal(metadata.symbol.toUtf8(), 'UTC-H100');
    const attestors = await api.call.computeApi.attestors();
    assert.ok(attestors.some(([key]) => key.asSr25519.toHex() === u8aToHex(attestor.publicKey)));
  });

  test('a provider registers, submits a JS-signed attestation and mints', async () => {
    let r = await submit(api, api.tx.compute.registerProvider('Bob GPUs', 'EU-WEST'), bob);
    assert.equal(r.error, null);
    // Bonded for 10 H100 hours under the dev uptime module (1 UNIT an hour).
    await backProvider(api, bob, { amount: 10n * UNIT, cls: H100 });

    const now = (await api.rpc.chain.getHeader()).number.toNumber();
    ({ attestation, signature } = signAttestation(api, attestor, {
      provider: bob.address,
      class: H100,
      units: 8_000,
      validFrom: now,
      validUntil: now + 1_000,
      evidenceHash: '0x' + 'ab'.repeat(32),
      nonce: 1,
    }));
    r = await submit(api, api.tx.compute.submitAttestation(
      { Sr25519: attestor.publicKey }, attestation, { Sr25519: signature }), bob);
    assert.equal(r.error, null);
    const accepted = r.events.find(({ event }) => api.events.compute.AttestationAccepted.is(event));
    assert.ok(accepted, 'AttestationAccepted');
    assert.equal(accepted.event.data.units.toBigInt(), 8_000n);

    r = await submit(api, api.tx.compute.mint(H100, 5_000), bob);
    assert.equal(r.error, null);
    const minted = r.events.find(({ event }) => api.events.compute.Minted.is(event));
    assert.equal(minted.event.data.obligation.toBigInt(), 5_000n);
    const at = await api.at(r.blockHash);
    const account = await at.query.assets.account(H100, bob.address);
    assert.equal(account.unwrap().balance.toBigInt(), 5_000n);

    const state = await api.call.computeApi.providerClassState(bob.address, H100);
    assert.equal(state.mintable.toBigInt(), 3_000n);
    assert.equal(state.ledger.obligation.toBigInt(), 5_000n);
  });

  test('a replayed attestation is refused with NonceReused', async () => {
    const r = await submit(api, api.tx.compute.submitAttestation(
      { Sr25519: attestor.publicKey }, attestation, { Sr25519: signature }), bob);
    assert.deepEqual(r.error, { section: 'compute', name: 'NonceReused' });
  });

  test('a forged attestation is refused with BadSignature', async () => {
    // Bob signs a payload of his own choosing in the attestor's name.
    const { attestation: forged, signature: bobs } =
      signAttestation(api, bob, { ...attestation.toJSON(), units: 1_000_000, nonce: 99 });
    const r = await submit(api, api.tx.compute.submitAttestation(
      { Sr25519: attestor.publicKey }, forged, { Sr25519: bobs }), bob);
    assert.deepEqual(r.error, { section: 'compute', name: 'BadSignature' });
  });

  test('minting beyond the attested capacity is refused', async () => {
    const r = await submit(api, api.tx.compute.mint(H100, 3_001), bob);
    assert.deepEqual(r.error, { section: 'compute', name: 'InsufficientAttestedCapacity' });
  });

  test('an attestation from `utc-node attest` is accepted as it is printed', async () => {
    const now = (await api.rpc.chain.getHeader()).number.toNumber();
    const out = JSON.parse(execFileSync(NODE_BIN, [
      'attest', '--suri', '//Attestor',
      '--genesis-hash', api.genesisHash.toHex(),
      '--provider', bob.address,
      '--class', String(H100), '--units', '2000',
      '--valid-from', String(now), '--valid-until', String(now + 500),
      '--evidence-hash', '0x' + 'cd'.repeat(32), '--nonce', '2',
    ], { encoding: 'utf8' }));
    const call = api.createType('Call', out.call);
    const r = await submit(api, api.tx(call), bob);
    assert.equal(r.error, null);
    const state = await api.call.computeApi.providerClassState(bob.address, H100);
    assert.equal(state.mintable.toBigInt(), 5_000n);
    assert.equal(state.unmintedCapacity.toBigInt(), 5_000n);
    // Bonded for 10 hours, owing 5: the bond backs 5 more.
    assert.equal(state.backable.toBigInt(), 5_000n);
  });

  test('an attestor revokes by signing revocationMessage(id) with its length prefix stripped', async () => {
    const now = (await api.rpc.chain.getHeader()).number.toNumber();
    const signed = signAttestation(api, attestor, {
      provider: bob.address, class: H100, units: 100, validFrom: now, validUntil: now + 400,
      evidenceHash: '0x' + 'ef'.repeat(32), nonce: 3,
    });
    let r = await submit(api, api.tx.compute.submitAttestation(
      { Sr25519: attestor.publicKey }, signed.attestation, { Sr25519: signed.signature }), bob);
    assert.equal(r.error, null);
    const id = r.events.find(({ event }) => api.events.compute.AttestationAccepted.is(event))
      .event.data.attestation;
    const message = await api.call.computeApi.revocationMessage(id);
    // polkadot.js keeps the Vec<u8>'s SCALE length prefix inside the value:
    // signed as it is, the message is refused.
    r = await submit(api, api.tx.compute.revokeAttestationSigned(
      id, { Sr25519: attestor.sign(message.toU8a(true)) }), bob);
    assert.deepEqual(r.error, { section: 'compute', name: 'BadSignature' });
    const [, bare] = compactStripLength(message.toU8a(true));
    assert.equal(u8aToString(bare.subarray(0, 10)), 'utc/revoke');
    r = await submit(api, api.tx.compute.revokeAttestationSigned(
      id, { Sr25519: attestor.sign(bare) }), bob);
    assert.equal(r.error, null);
    assert.ok(r.events.some(({ event }) => api.events.compute.AttestationRevoked.is(event)));
  });
});
