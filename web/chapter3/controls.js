// The variant panel: a tab per variant, and the settings form built from the parameter table
// (params.js): one field per module parameter, shown when the variant has it. Every edit goes to
// the store as typed; the store's messages come back next to their fields.
import { PARAMS } from '../params.js';
import { inputMode } from '../modes.js';
import { $, el } from '../lib/dom.js';
import { VARIANTS, variantById, variantParams } from './variants.js';
import { bookSettings } from './state.js';
import { constructCode } from './steps.js';

const FIELDS = PARAMS.filter((p) => p.control);

/** Builds the tabs and the form into the page; returns { render(store) }. */
export function mountControls({ store }) {
  const tabs = $('variant-tabs');
  tabs.replaceChildren(...VARIANTS.map((v) => el('label', { class: 'tab', 'data-variant': v.id },
    el('input', { type: 'radio', name: 'variant', value: v.id }),
    el('span', { class: 'name', text: v.name }),
    el('span', { class: 'sec', text: `§${v.section}` }))));
  tabs.addEventListener('change', (e) => {
    if (e.target.name === 'variant') store.set({ variant: e.target.value });
  });

  const form = $('params');
  form.replaceChildren(...FIELDS.map(field));
  form.addEventListener('submit', (e) => e.preventDefault());

  function field(p) {
    const c = p.control;
    const id = `p-${p.name}`;
    const msg = el('p', { class: 'msg', id: `msg-${p.name}`, 'aria-live': 'polite' });
    let body;
    if (c.type === 'checkbox') {
      const box = el('input', { id, type: 'checkbox', 'aria-describedby': msg.id });
      box.addEventListener('change', () => store.set({ [p.name]: box.checked }));
      return el('div', { class: 'field', 'data-param': p.name },
        el('span', { class: 'label', text: c.label }),
        el('label', { class: 'check', title: c.title ?? '' }, box, ` ${c.text}`), msg);
    }
    if (c.type === 'select') {
      body = el('select', { id, 'aria-describedby': msg.id }, ...c.options.map(([value, text]) => el('option', { value, text })));
      body.addEventListener('change', () => store.set({ [p.name]: body.value }));
    } else {
      const input = el('input', {
        id, type: c.type, spellcheck: 'false', 'aria-describedby': msg.id,
        inputmode: c.inputmode, min: c.min, max: c.max, step: c.step,
      });
      body = input;
      input.addEventListener('input', () => {
        if (c.range && input.value !== '') $(`${id}-range`).value = input.value;
        store.set({ [p.name]: input.value });
      });
      if (c.auto) {
        // "= T": the argument follows the number of tokens (context_length = num_tokens).
        const auto = el('input', { id: `${id}-auto`, type: 'checkbox' });
        auto.addEventListener('change', () => store.set({ [p.name]: auto.checked ? 'auto' : input.value }));
        body = el('div', { class: 'inline' }, input, el('label', { class: 'check' }, auto, ` ${c.auto}`));
      }
      if (c.range) {
        const range = el('input', { id: `${id}-range`, type: 'range', min: c.min, max: c.max, step: c.step, 'aria-label': `${c.label} slider` });
        range.addEventListener('input', () => {
          input.value = range.value;
          store.set({ [p.name]: range.value });
        });
        body = el('div', { class: 'inline' }, input, range);
      }
    }
    return el('div', { class: 'field', 'data-param': p.name },
      el('label', { for: id, title: c.title ?? '', text: c.label }), body, msg);
  }

  $('book-settings').addEventListener('click', () => store.set(bookSettings(store.draft.variant)));

  return {
    render() {
      const d = store.draft;
      const v = variantById(d.variant);
      const inPlay = variantParams(v);
      const messages = store.messages();
      for (const label of tabs.children) {
        const on = label.dataset.variant === v.id;
        label.classList.toggle('checked', on);
        label.querySelector('input').checked = on;
      }
      $('variant-blurb').textContent = v.blurb;
      $('book-settings').hidden = inPlay.length === 0;
      for (const p of FIELDS) {
        const box = form.querySelector(`[data-param="${p.name}"]`);
        box.hidden = !inPlay.includes(p.name);
        const input = $(`p-${p.name}`);
        const message = messages.get(p.name) ?? '';
        $(`msg-${p.name}`).textContent = message;
        if (message) input.setAttribute('aria-invalid', 'true');
        else input.removeAttribute('aria-invalid');
        // A field whose text does not parse keeps it; one being typed in keeps its text.
        if (store.unparsed(p.name)) continue;
        const value = d[p.name];
        if (p.control.type === 'checkbox') input.checked = !!value;
        else if (p.control.type === 'select') input.value = p.toURL ? p.toURL(value) : String(value);
        else {
          const auto = value === 'auto';
          const text = auto ? String(inputMode(d.input).length(d)) : String(value);
          if (p.control.auto) {
            $(`p-${p.name}-auto`).checked = auto;
            input.disabled = auto;
          }
          if (document.activeElement !== input || auto) input.value = text;
          if (p.control.range && !auto) $(`p-${p.name}-range`).value = text;
        }
      }
      // The code for what is on screen (the last state that computed).
      const s = store.state;
      if (s) $('construct-code').textContent = constructCode(variantById(s.variant), s, store.result.T, store.result.dIn);
    },
  };
}
