// Providers: each provider's capacity and obligations per class, its bond
// against what its obligations require, its SLA modules, its delivery record
// and the service its node declared.

import { readModules, readProviders, type Provider, type SlaModule } from '../chain';
import type { Context, View } from '../context';
import { h, replace, table } from '../dom';

export function providersView(ctx: Context): View {
  const list = h('div', { class: 'providers' });
  const el = h('section', { 'data-testid': 'view-providers' }, list);

  function card(p: Provider, modules: Map<number, SlaModule>) {
    const { bond, reputation, service } = p;
    return h('article', { class: 'card provider', 'data-testid': 'provider', 'data-address': p.address },
      h('h2', {}, h('span', { 'data-testid': 'provider-name' }, p.name),
        h('span', { class: 'badge', 'data-testid': 'provider-region' }, p.region),
        bond.underCollateralized && h('span', { class: 'badge warn', 'data-testid': 'under-collateralized' }, 'under-collateralized')),
      h('p', { class: 'address' }, p.address),
      h('dl', { class: 'stats' },
        h('dt', {}, `Bond (${ctx.chain.native.symbol})`), h('dd', { 'data-testid': 'bond' }, ctx.native(bond.active)),
        h('dt', {}, 'Required'), h('dd', { 'data-testid': 'bond-required' }, ctx.native(bond.required)),
        h('dt', {}, 'Unbonding'), h('dd', {}, ctx.native(bond.unbonding)),
        h('dt', {}, 'Reputation'), h('dd', { 'data-testid': 'reputation' },
          `${reputation.score} (${reputation.completed} completed, ${reputation.violations} violations)`),
        h('dt', {}, 'Service'), h('dd', { 'data-testid': 'service' }, service
          ? `${service.kinds.join(', ') || 'nothing'}; ${service.inFlight} of ${service.concurrency} in flight; ` +
            (service.lastHeartbeat === null ? 'no heartbeat yet' : `last heartbeat #${service.lastHeartbeat}`)
          : 'not declared')),
      h('h3', {}, 'Capacity and obligations'),
      table('capacity', ['Class', 'Live capacity', 'Pending capacity', 'Mintable', 'Minted', 'Obligation'], p.classes,
        (c) => [ctx.symbol(c.cls), ctx.units(c.cls, c.liveCapacity), ctx.units(c.cls, c.pendingCapacity),
          ctx.units(c.cls, c.mintable), ctx.units(c.cls, c.minted), ctx.units(c.cls, c.obligation)],
        (c) => ({ 'data-class': c.cls }), 'No attested capacity.'),
      h('h3', {}, 'SLA modules'),
      table('sla-modules', ['Class', 'Module', 'Terms', `Bond per unit (${ctx.chain.native.symbol})`], p.subscriptions,
        (s) => {
          const m = modules.get(s.module);
          return [ctx.symbol(s.cls), `#${s.module}`, m?.terms ?? 'unknown', m ? ctx.native(m.bondPerUnit) : '—'];
        },
        (s) => ({ 'data-class': s.cls, 'data-module': s.module }), 'Subscribed to no module.'));
  }

  return {
    id: 'providers',
    title: 'Providers',
    el,
    async refresh() {
      const [providers, modules] = await Promise.all([readProviders(ctx.api), readModules(ctx.api)]);
      if (providers.length === 0) replace(list, h('p', { class: 'empty card' }, 'No provider is registered yet.'));
      else replace(list, providers.map((p) => card(p, modules)));
    },
  };
}
