// Account: the chosen account's native and class-token balances (in its wallet
// and in its order-book trading account), its open orders with a cancel button
// each, its jobs, and a form to submit a job.

import { readHoldings, readModules, readOpenOrders, readRecentJobs, readMarkets } from '../chain';
import type { Context, View } from '../context';
import { h, replace, setOptions, table } from '../dom';
import { jobsTable } from './jobs';

/** The account's jobs are looked for among this many latest jobs. */
const JOB_WINDOW = 100;

export function accountView(ctx: Context): View {
  const { api } = ctx;

  const cls = h('select', { 'data-testid': 'job-class' });
  const units = h('input', { 'data-testid': 'job-units', inputmode: 'decimal', required: true, placeholder: '0.0' });
  const unitsUnit = h('span', { class: 'unit' });
  const modules = h('div', { class: 'checks', 'data-testid': 'job-modules' });
  const kind = h('select', { 'data-testid': 'job-kind' },
    h('option', { value: 'Command' }, 'command'), h('option', { value: 'Container' }, 'container'));
  const program = h('input', { 'data-testid': 'job-program', required: true, value: '/bin/sh' });
  const args = h('textarea', { 'data-testid': 'job-args', rows: 2, placeholder: 'one argument a line' });
  args.value = '-c\necho hello from UTC chain';
  const delay = h('input', { 'data-testid': 'job-start-delay', type: 'number', min: 1, value: 10, required: true });
  cls.addEventListener('change', () => { unitsUnit.textContent = ctx.symbol(Number(cls.value)); });

  const jobForm = h('form', { class: 'card job', 'data-testid': 'job-form' },
    h('h2', {}, 'Submit a job'),
    h('p', { class: 'legend' }, 'Redeems (burns) the units from your wallet and trading account; the chain routes the job to a provider.'),
    h('label', {}, 'Class', cls),
    h('label', {}, 'Units', units, unitsUnit),
    h('label', {}, 'Workload', kind),
    h('label', {}, 'Program or image', program),
    h('label', {}, 'Arguments', args),
    h('label', {}, 'Start within (blocks)', delay),
    h('fieldset', {}, h('legend', {}, 'SLA modules'), modules),
    h('button', { type: 'submit', 'data-testid': 'job-submit' }, 'Submit job'));
  jobForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const c = Number(cls.value);
    const argv = args.value.split('\n').filter((a) => a !== '');
    const spec = kind.value === 'Command'
      ? { Command: { program: program.value, args: argv, env: [] } }
      : { Container: { image: program.value, args: argv, env: [] } };
    const chosen = [...modules.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => Number(i.value));
    void ctx.submit(`Submit a job of ${units.value} ${ctx.symbol(c)}`, () =>
      api.tx.federation.submitJob(c, ctx.parseUnits(c, units.value), chosen,
        { spec, input: null, output: null, gpus: 0, memoryMb: 512 }, Number(delay.value)));
  });

  const body = h('div', { class: 'account' });
  const el = h('section', { 'data-testid': 'view-account' }, body, jobForm);

  async function cancel(order: bigint) {
    await ctx.submit(`Cancel order #${order}`, () => api.tx.orderbook.cancelOrder(order));
  }

  return {
    id: 'account',
    title: 'Account',
    el,
    async refresh() {
      const classIds = [...ctx.classes.keys()].sort((a, b) => a - b);
      setOptions(cls, classIds.map((id) => ({ value: String(id), label: `${id} · ${ctx.symbol(id)}` })));
      unitsUnit.textContent = cls.value === '' ? '' : ctx.symbol(Number(cls.value));
      const available = await readModules(api);
      const offered = [...available.values()].filter((m) => m.active);
      if (modules.dataset.offered !== offered.map((m) => m.id).join()) {
        modules.dataset.offered = offered.map((m) => m.id).join();
        replace(modules, offered.map((m) => h('label', {},
          h('input', { type: 'checkbox', value: m.id, 'data-testid': `job-module-${m.id}` }), ` #${m.id} ${m.terms}`)));
      }

      const account = ctx.account;
      if (!account) {
        replace(body, h('p', { class: 'card empty' }, 'Choose an account (top right) to see its balances, orders and jobs.'));
        return;
      }
      const [holdings, orders, markets, jobs] = await Promise.all([
        readHoldings(api, account.address, classIds),
        readOpenOrders(api, account.address),
        readMarkets(api),
        readRecentJobs(api, JOB_WINDOW),
      ]);
      const baseOf = new Map(markets.map((m) => [m.id, m.base]));
      const native = ctx.chain.native.symbol;
      const balances = [
        { asset: native, testid: 'native', wallet: ctx.native(holdings.wallet.free),
          free: ctx.native(holdings.trading.free), locked: ctx.native(holdings.trading.locked) },
        ...holdings.classes.map((c) => ({ asset: ctx.symbol(c.cls), testid: `class-${c.cls}`, wallet: ctx.units(c.cls, c.wallet),
          free: ctx.units(c.cls, c.trading.free), locked: ctx.units(c.cls, c.trading.locked) })),
      ];
      replace(body,
        h('div', { class: 'card' },
          h('h2', { 'data-testid': 'account-name' }, account.name, h('span', { class: 'badge' }, account.source)),
          h('p', { class: 'address', 'data-testid': 'account-address' }, account.address),
          h('h3', {}, 'Balances'),
          table('balances', ['Asset', 'Wallet', 'Trading: free', 'Trading: locked in orders'], balances,
            (b) => [b.asset, b.wallet, b.free, b.locked], (b) => ({ 'data-asset': b.testid })),
          h('p', { class: 'legend' },
            `Wallet ${native} reserved ${ctx.native(holdings.wallet.reserved)}, frozen ${ctx.native(holdings.wallet.frozen)}. ` +
            'An order draws what the trading account lacks from the wallet.')),
        h('div', { class: 'card' },
          h('h3', {}, 'Open orders'),
          table('open-orders', ['Order', 'Market', 'Side', 'Price', 'Remaining', 'Locked', 'Expires', ''], orders,
            (o) => {
              const base = baseOf.get(o.market) ?? 0;
              return [
                String(o.id), `${o.market} · ${ctx.symbol(base)}`, o.side === 'Bid' ? 'buy' : 'sell',
                ctx.price(base, o.price), ctx.units(base, o.remaining),
                o.side === 'Bid' ? `${ctx.native(o.locked)} ${native}` : `${ctx.units(base, o.locked)} ${ctx.symbol(base)}`,
                o.expiresAt === null ? 'never' : `#${o.expiresAt}`,
                h('button', { type: 'button', 'data-testid': `cancel-order-${o.id}`, onclick: () => void cancel(o.id) }, 'Cancel'),
              ];
            },
            (o) => ({ 'data-order': o.id.toString() }), 'No open order.')),
        h('div', { class: 'card' },
          h('h3', {}, 'Jobs'),
          jobsTable(ctx, 'account-jobs', jobs.filter((j) => j.owner === account.address),
            `No job among the latest ${JOB_WINDOW}.`)));
    },
  };
}
