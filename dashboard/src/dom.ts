// A few helpers to build the DOM without a framework.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** An element with attributes (`on*` keys become event listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  el.append(...nodes(children));
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes and children. */
export function s(tag: string, attrs: Attrs = {}, ...children: (Child | Child[])[]): SVGElement {
  const el = document.createElementNS(SVG, tag) as SVGElement;
  setAttrs(el, attrs);
  el.append(...nodes(children));
  return el;
}

function setAttrs(el: Element, attrs: Attrs) {
  for (const [key, value] of Object.entries(attrs)) {
    if (typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else if (value !== false && value !== null && value !== undefined) el.setAttribute(key, String(value));
  }
}

function nodes(children: (Child | Child[])[]): Node[] {
  return children.flat().flatMap((c) => {
    if (c === null || c === undefined || c === false) return [];
    return [typeof c === 'object' ? c : document.createTextNode(String(c))];
  });
}

/** A table with a header row and one row per item; `rowAttrs` tags each row for its item. */
export function table<T>(
  testid: string,
  headers: string[],
  items: T[],
  cells: (item: T) => Child[],
  rowAttrs: (item: T) => Attrs = () => ({}),
  empty = 'none',
): HTMLElement {
  if (items.length === 0) return h('p', { class: 'empty', 'data-testid': `${testid}-empty` }, empty);
  return h('table', { 'data-testid': testid },
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))),
    h('tbody', {}, items.map((item) => h('tr', rowAttrs(item), cells(item).map((c) => h('td', {}, c))))));
}

/** Replaces `el`'s children. */
export function replace(el: Element, ...children: (Child | Child[])[]) {
  el.replaceChildren(...nodes(children));
}

/** Sets a select's options, keeping the chosen value when it is still offered. */
export function setOptions(select: HTMLSelectElement, options: { value: string; label: string }[]) {
  const chosen = select.value;
  const same = options.length === select.options.length &&
    options.every((o, i) => select.options[i].value === o.value && select.options[i].text === o.label);
  if (same) return;
  select.replaceChildren(...options.map((o) => h('option', { value: o.value }, o.label)));
  if (options.some((o) => o.value === chosen)) select.value = chosen;
}
