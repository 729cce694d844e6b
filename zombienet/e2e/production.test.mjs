// A real network from the production template, exactly as the README's "Run a
// real network" section does it: export the template, generate the validator's
// keys with `utc-node key`, fill them and a governance account into the spec,
// insert the keys into the node's keystore, give the node its network key,
// start it as a validator and see it
// author and finalize blocks, with governance working and no dev key holding
// anything.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { NODE_BIN, startNode, submit, waitFinalized } from './node.mjs';

const UNIT = 10n ** 12n;
// An exported spec carries the runtime's code: several MiB of output.
const utcNode = (...args) =>
  execFileSync(NODE_BIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
const inspect = (scheme, suri) =>
  JSON.parse(utcNode('key', 'inspect', '--scheme', scheme, '--output-type', 'json', suri));

describe('a network from the production template', () => {
  let dir;
  let node;
  let api;
  let governance;
  let validatorAccount;

  before(async () => {
    await cryptoWaitReady();
    dir = mkdtempSync(join(tmpdir(), 'utc-production-'));
    const specPath = join(dir, 'spec.json');
    const basePath = join(dir, 'validator');

    // 1. The template: no validator, no sudo key, no funds.
    const spec = JSON.parse(utcNode('export-chain-spec', '--chain', 'production-template'));
    const patch = spec.genesis.runtimeGenesis.patch;
    assert.equal(spec.chainType, 'Live');
    assert.equal(patch.session, undefined, 'the template names no session key');
    assert.equal(patch.validatorSet.validators, undefined, 'the template names no validator');
    assert.equal(patch.sudo, undefined, 'the template names no sudo key');
    assert.equal(patch.balances, undefined, 'the template funds no account');

    // 2. The validator's keys and a governance account, generated fresh.
    const validator = JSON.parse(utcNode('key', 'generate', '--scheme', 'sr25519', '--output-type', 'json'));
    const aura = validator.ss58Address;
    const grandpa = inspect('ed25519', validator.secretPhrase).ss58Address;
    governance = new Keyring({ type: 'sr25519' }).addFromUri(mnemonicGenerate());

    // 3. Filled into the spec.
    // The validator's account is its sr25519 address; its session keys are the
    // sr25519 key (Aura, routing) and the ed25519 key (GRANDPA).
    validatorAccount = aura;
    patch.validatorSet = { ...patch.validatorSet, validators: [validatorAccount] };
    patch.session = { keys: [[validatorAccount, validatorAccount, { aura, grandpa, routing: aura }]] };
    patch.sudo = { key: governance.address };
    // Amounts are JSON numbers, in plancks (12 decimals): here 1,000 UNIT.
    patch.balances = { balances: [[governance.address, Number(1000n * UNIT)]] };
    writeFileSync(specPath, JSON.stringify(spec, null, 2));

    // 4. The keys into the node's keystore: Aura, GRANDPA and routing.
    for (const [scheme, type] of [['sr25519', 'aura'], ['ed25519', 'gran'], ['sr25519', 'utcr']]) {
      utcNode('key', 'insert', '--base-path', basePath, '--chain', specPath,
        '--scheme', scheme, '--key-type', type, '--suri', validator.secretPhrase);
    }

    // 5. The node's own network key (a live chain's node never makes one up).
    utcNode('key', 'generate-node-key', '--base-path', basePath, '--chain', specPath);

    // 6. The validator.
    node = await startNode({ args: ['--chain', specPath, '--validator', '--base-path', basePath] });
    api = await node.connect();
  });

  after(async () => {
    await api?.disconnect();
    if (node) {
      const exit = await node.stop();
      assert.equal(exit.signal ?? 'exit', 'exit', `utc-node was killed: ${JSON.stringify(exit)}`);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the validator authors and finalizes blocks', async () => {
    assert.equal((await api.rpc.system.chainType()).toString(), 'Live');
    assert.ok(await waitFinalized(api, 2, 120_000) >= 2);
    assert.deepEqual((await api.query.session.validators()).map(String), [validatorAccount]);
    assert.equal((await api.query.validatorSet.sessionLength()).toNumber(), 600, 'hour-long sessions');
  });

  test('no well-known dev account holds anything or governs', async () => {
    const keyring = new Keyring({ type: 'sr25519' });
    for (const name of ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie']) {
      const account = await api.query.system.account(keyring.addFromUri(`//${name}`).address);
      assert.equal(account.data.free.toBigInt(), 0n, `${name} holds funds`);
    }
    assert.equal((await api.query.sudo.key()).toString(), governance.address);
    assert.equal((await api.query.compute.attestors.entries()).length, 0, 'no attestor is trusted');
  });

  test('governance, and only governance, registers an attestor', async () => {
    const attestor = new Keyring({ type: 'sr25519' }).addFromUri(mnemonicGenerate());
    const call = api.tx.compute.addAttestor({ Sr25519: attestor.publicKey }, 'TeeVerifier', 'first TEE verifier');
    const { events, error } = await submit(api, api.tx.sudo.sudo(call), governance);
    assert.equal(error, null);
    const sudid = events.find(({ event }) => api.events.sudo.Sudid.is(event));
    assert.ok(sudid?.event.data.sudoResult.isOk, 'the sudo call dispatched');
    assert.equal((await api.query.compute.attestors.entries()).length, 1);
  });
});
