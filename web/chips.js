// The sentence as token chips: choose one to follow its row (its query) through every matrix.
// One tab stop for the whole row of chips (a roving tabindex); the arrow keys, Home and End move
// along it, Enter or Space follows.
import { $, el } from './lib/dom.js';

export function mountChips({ onLockRow }) {
  const box = $('token-chips');
  let key = '';
  let active = 0;

  box.addEventListener('click', (e) => {
    const chip = e.target.closest('.chip');
    if (chip) onLockRow(Number(chip.dataset.row), 'chip');
  });
  box.addEventListener('keydown', (e) => {
    const chips = [...box.children];
    const at = chips.indexOf(document.activeElement);
    if (at < 0) return;
    const next = { ArrowLeft: at - 1, ArrowUp: at - 1, ArrowRight: at + 1, ArrowDown: at + 1, Home: 0, End: chips.length - 1 }[e.key];
    if (next === undefined || next < 0 || next >= chips.length) return;
    e.preventDefault();
    move(chips, next, true);
  });

  function move(chips, k, focus) {
    chips.forEach((c, i) => { c.tabIndex = i === k ? 0 : -1; });
    active = k;
    if (focus) chips[k].focus();
  }

  return {
    render(tokens, row) {
      const k = tokens.join('\u0000');
      if (k !== key) {
        key = k;
        box.classList.toggle('many', tokens.length > 16);
        box.replaceChildren(...tokens.map((t, i) => el('button', { type: 'button', class: 'chip', 'data-row': i, tabindex: -1 },
          t, el('span', { class: 'idx', text: `x(${i + 1})`, 'aria-hidden': 'true' }))));
        active = Math.min(active, tokens.length - 1);
      }
      const chips = [...box.children];
      chips.forEach((chip, i) => {
        const on = row === i;
        chip.setAttribute('aria-pressed', String(on));
        chip.title = on ? `Stop following “${tokens[i]}”` : `Follow “${tokens[i]}” (row ${i + 1}) through every matrix`;
      });
      if (!box.contains(document.activeElement)) move(chips, row ?? active, false);
      $('chips-hint').textContent = row === null
        ? 'Click a token to follow its row (its query) through every matrix, as the book does for x(2), “journey”.'
        : `Following “${tokens[row]}”: its row is outlined in every matrix and its numbers are listed under each. Click it again to stop.`;
    },
  };
}
