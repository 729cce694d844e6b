// What the network tests' js-script steps share: a connection to a node of the
// running network, submitting a transaction until it is in a block, and waiting
// for a condition with a timeout.
const { ApiPromise, WsProvider } = require('@polkadot/api');
const { Keyring } = require('@polkadot/keyring');

// The node's API and its provider (for RPC methods the API does not decorate,
// such as author_rotateKeysWithOwner).
async function connect(networkInfo, name) {
  const node = networkInfo.nodesByName[name];
  if (!node) throw new Error(`no node named ${name} in the network`);
  const provider = new WsProvider(node.wsUri);
  const api = await ApiPromise.create({ provider, noInitWarn: true });
  return { api, provider };
}

function dev(name) {
  return new Keyring({ type: 'sr25519' }).addFromUri(`//${name[0].toUpperCase()}${name.slice(1)}`);
}

// Resolves with the block's events once `tx` is in a block; rejects with the
// dispatch error's name if it failed.
function submit(api, tx, signer) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      if (dispatchError) {
        const error = dispatchError.isModule
          ? api.registry.findMetaError(dispatchError.asModule)
          : { section: '', name: dispatchError.toString() };
        reject(new Error(`${error.section}.${error.name}`));
      } else if (status.isInBlock) {
        const failed = events.find(({ event }) => api.events.sudo?.Sudid.is(event) && event.data.sudoResult.isErr);
        if (failed) reject(new Error(`sudo call failed: ${failed.event.data.sudoResult.toString()}`));
        else resolve(events);
      }
    }).catch(reject);
  });
}

// The network tests' wait: polls `check` until it returns a truthy value.
async function waitFor(what, check, timeoutMs) {
  const net = await import('../network/net.mjs');
  return net.waitFor(what, check, timeoutMs);
}

async function activeValidators(api) {
  return (await api.query.session.validators()).map((v) => v.toString());
}

module.exports = { connect, dev, submit, waitFor, activeValidators };
