// A native transfer and a limit order on UTC chain through polkadot-api's typed
// API. The types come from descriptors generated from the chain's own metadata
// (`papi add utc -w <endpoint>`), so `tsc` rejects a call the chain would not
// accept.
//
//   tsx transfer-and-order.ts --endpoint ws://127.0.0.1:9944 --seed //Ferdie \
//     --to <address> --value <planck> --market 0 --price <per unit> --amount <units>
//
// Prints one JSON line: the block of each transaction and the order's id.

import { parseArgs } from 'node:util';
import { MultiAddress, utc } from '@polkadot-api/descriptors';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { createClient, Enum, type TxFinalizedPayload } from 'polkadot-api';
import { getPolkadotSigner } from 'polkadot-api/signer';
import { getWsProvider } from 'polkadot-api/ws';

const { values: opt } = parseArgs({
  options: {
    endpoint: { type: 'string' },
    seed: { type: 'string' },
    to: { type: 'string' },
    value: { type: 'string' },
    market: { type: 'string' },
    price: { type: 'string' },
    amount: { type: 'string' },
  },
});
const need = (name: keyof typeof opt): string => {
  const value = opt[name];
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
};

/** Where a finalized transaction landed; fails on a dispatch error. */
function landed(what: string, r: TxFinalizedPayload): { block: string; number: number; txHash: string } {
  if (!r.ok) {
    const error = JSON.stringify(r.dispatchError, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
    throw new Error(`${what} failed: ${error}`);
  }
  return { block: r.block.hash, number: r.block.number, txHash: r.txHash };
}

await cryptoWaitReady();
const pair = new Keyring({ type: 'sr25519' }).addFromUri(need('seed'));
const signer = getPolkadotSigner(pair.publicKey, 'Sr25519', (payload) => pair.sign(payload));

const client = createClient(getWsProvider(need('endpoint')));
try {
  const api = client.getTypedApi(utc);

  const transfer = await api.tx.Balances.transfer_keep_alive({
    dest: MultiAddress.Id(need('to')),
    value: BigInt(need('value')),
  }).signAndSubmit(signer);
  const transferred = landed('transfer_keep_alive', transfer);

  const order = await api.tx.Orderbook.place_order({
    market: Number(need('market')),
    side: Enum('Bid'),
    price: BigInt(need('price')),
    amount: BigInt(need('amount')),
    time_in_force: Enum('Gtc'),
    expires_at: undefined,
    max_fills: 8,
  }).signAndSubmit(signer);
  const ordered = landed('place_order', order);
  const placed = api.event.Orderbook.OrderPlaced.filter(order.events)[0]?.payload;
  if (!placed) throw new Error('place_order: no Orderbook.OrderPlaced event');

  // The order rests on the book: the typed runtime API lists it.
  const open = await api.apis.OrderbookApi.open_orders(pair.address, { at: order.block.hash });
  const resting = open.some(([id]) => id === placed.order_id);

  console.log(JSON.stringify({
    transfer: transferred,
    order: { ...ordered, orderId: String(placed.order_id), resting },
  }));
} finally {
  client.destroy();
}
